"""The services directory (Open Referral UK): a leaf library with no I/O beyond import and export.

Its model, search and import/export arrive with the services directory issue; the package exists
now so that the import direction (bot -> storage -> flows -> services_directory) is fixed early.
"""
