"""The model side: the category classifier, its artifact store and the training gate.

Imports storage and declared.
"""
