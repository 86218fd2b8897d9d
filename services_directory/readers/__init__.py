"""Reading a services directory: Open Referral UK 3.0 / HSDS 3.0 JSON, and the older Open
Referral UK 1.0 / HSDS 1.x tables (one CSV file per table, with a datapackage.json), from a
file, a folder or a .zip.

Reading is tolerant: unknown fields and tables are ignored and optional fields may be missing.
A bad row never stops the rest; what was wrong is returned as a Problem:

- a service with no id or no name is left out;
- an optional field of the wrong kind (``minimum_age`` "twelve", ``latitude`` "north") is
  dropped (read as None) and the rest of the service kept;
- a nested record with no id (a contact, a location, a taxonomy term...) is left out of its
  service, which is kept;
- when a service id appears twice, the later one wins (in the earlier one's place).

Problem rows are 1-based data rows (after the header) for CSV tables, and the 0-based index of
the service in the list (pages flattened) for JSON; None for a single JSON service object.

Strings in JSON are kept exactly as given (numbers given for text are turned into text); in
CSV a blank cell means "not given" and cells are stripped of surrounding spaces.
"""

from services_directory.readers.files import read_path
from services_directory.readers.json_services import read_json
from services_directory.readers.report import DirectoryFileError, Problem, ReadResult
from services_directory.readers.tables import read_tables

__all__ = ["DirectoryFileError", "Problem", "ReadResult", "read_json", "read_path", "read_tables"]
