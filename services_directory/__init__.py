"""The services directory: community services in Open Referral UK format, read, exported,
mapped to linkbot's needs and searched (see README.md in this folder)."""
