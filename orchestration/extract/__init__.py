"""PDF → structured extract: locate, classify and parse the tables of a budget disclosure."""
