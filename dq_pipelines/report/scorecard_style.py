"""The scorecard page's stylesheet, inlined into the page (it loads nothing else)."""

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#263238;
 margin:0;background:#f5f7f8}
main{max-width:1320px;margin:0 auto;padding:20px 28px 40px}
h1{font-size:24px;margin:0 0 2px}h2{font-size:18px;margin:28px 0 4px}
p.lead{color:#607d8b;margin:0 0 10px}.sub{color:#607d8b;font-size:12px;margin:0 0 10px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}
.card{background:#fff;border:1px solid #dde3e6;border-radius:6px;padding:10px 12px}
.card h3{font-size:14px;margin:0 0 2px;font-family:ui-monospace,monospace}
.tiles{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
.tile{background:#fff;border:1px solid #dde3e6;border-radius:6px;padding:8px 14px;min-width:150px}
.tile b{display:block;font-size:22px}
table{border-collapse:collapse;background:#fff;border:1px solid #dde3e6;width:100%}
th,td{padding:5px 9px;border-bottom:1px solid #eceff1;text-align:left;vertical-align:middle}
th{background:#eceff1;font-weight:600;font-size:12px}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,monospace;font-size:12.5px}
.empty{color:#78909c;font-style:italic;background:#fff;border:1px dashed #cfd8dc;
 border-radius:6px;padding:10px 12px}
.st{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:12px}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
"""
