"""The auditor's pages (DESIGN §5): the trail, a record's history, requests, chains."""
