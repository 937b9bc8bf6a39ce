"""The auditor's pages: the trail, a record's history, requests, chains."""
