"""Building blocks of sign-in security: passwords, second factors, headers."""
