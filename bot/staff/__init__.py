"""The staff directory: the CSV import and the invitation links."""
