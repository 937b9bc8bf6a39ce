"""Help pages: the glossary of the IISG's terms and a short guide to each section."""
