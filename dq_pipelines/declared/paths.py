"""Where a contract's deliveries land: its path pattern, which must stay in the landing folder."""

from pathlib import PurePosixPath, PureWindowsPath

DELIVERY_PLACEHOLDER = "{delivery_date}"


def check_path_pattern(pattern: str) -> None:
    """The pattern stays inside the landing folder and names the delivery date folder
    (ValueError if not).

    Relative, without `..` segments: then its glob base (the part before the first wildcard)
    is the landing folder or a folder below it, whatever the landing folder is.
    """
    if DELIVERY_PLACEHOLDER not in pattern:
        raise ValueError(f"path_pattern must contain {DELIVERY_PLACEHOLDER}")
    if PurePosixPath(pattern).is_absolute() or PureWindowsPath(pattern).anchor:
        raise ValueError(f"path_pattern {pattern!r} must be relative to the landing folder")
    parts = PurePosixPath(pattern).parts
    if ".." in parts:
        raise ValueError(
            f"path_pattern {pattern!r} must not contain '..': it would leave the landing folder"
        )
    if DELIVERY_PLACEHOLDER not in parts:
        raise ValueError(
            f"path_pattern {pattern!r}: {DELIVERY_PLACEHOLDER} must be a whole folder name, "
            f"e.g. '<source>/{DELIVERY_PLACEHOLDER}/<source>*.csv'"
        )
