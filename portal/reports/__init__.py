"""The reports the IISG publishes, as pages, HTML files and PDF documents."""
