"""The texts of the import: columns, refusals of a whole file, problems of a cell."""

from flask_babel import lazy_gettext as _l

from portal.failures import Code

#: The file's columns, in the template's order: key -> header (the header is read in vi or en).
COLUMNS = {
    "name": _l("Name"),
    "kind": _l("Kind"),
    "tax_code": _l("Tax code or personal ID"),
    "sector": _l("Sector"),
    "size": _l("Size"),
    "commune": _l("Commune or ward"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
}


class FileRefusal(Code):
    """Why the portal will not read an uploaded file (parsing.FileRefused)."""

    EMPTY = "empty", _l("The file is empty: it has no row of data under the header.")
    NOT_SPREADSHEET = "not_spreadsheet", _l(
        "This is not a spreadsheet the portal can read. Upload an XLSX file, or a CSV file "
        "saved as UTF-8."
    )
    OLD_EXCEL = "old_excel", _l(
        "This is an old Excel file (.xls). Open it and save it as an Excel workbook (.xlsx)."
    )
    NOT_UTF8 = "not_utf8", _l(
        "The CSV file is not in UTF-8, so Vietnamese letters would be garbled. Save it as "
        "\"CSV UTF-8\" and upload it again."
    )
    ZIP_BOMB = "zip_bomb", _l(
        "The file unpacks to far more than a list of businesses could hold; the portal did not "
        "open it."
    )
    FORMULA = "formula", _l(
        "Cell %(cell)s holds a formula. The portal imports values only: copy the sheet and "
        "paste it as values, then upload it again."
    )
    TOO_MANY_ROWS = "too_many_rows", _l(
        "The file has more than %(max)s rows. Split it into files of at most %(max)s rows."
    )
    TOO_LARGE = "too_large", _l("The file is too large: at most %(mb)d MB.")
    NO_COLUMNS = "no_columns", _l(
        "The first row must name the columns. Missing: %(columns)s. Download the template to see "
        "them."
    )


PROBLEMS = {
    "required": _l("Empty: this column must be filled in."),
    "too_long": _l("Too long: at most %(max)s characters."),
    "unknown_kind": _l("Not a kind the portal knows. Use one of the list in the template."),
    "unknown_sector": _l("Not a sector the portal knows. Use one of the list in the template."),
    "unknown_size": _l("Not a size the portal knows. Use one of the list in the template."),
    "unknown_commune": _l("No commune or ward of the province has this name or code."),
    "unknown_commune_suggest": _l(
        "No commune or ward of the province has this name. Did you mean: %(names)s?"
    ),
    "split_commune": _l(
        "%(old)s was split in July 2025 between %(names)s: write which one."
    ),
    # The same rules and words as the business form.
    "personal_id_not_household": _l(
        "Only a household business may use a 12-digit personal ID as its tax code."
    ),
    "bad_tax_code": _l(
        "A tax code has 10 digits, or 13 digits for a branch (0101234567-001); "
        "a household business may use the owner's 12-digit personal ID."
    ),
    "tax_code_required": _l("An enterprise or cooperative must give its tax code."),
    "bad_phone": _l("Please write a phone number of 10 digits starting with 0."),
    "bad_email": _l("This is not an e-mail address."),
    "duplicate_in_file": _l("The same as row %(row)s of this file."),
    "in_portal": _l("Already in the portal."),
}
