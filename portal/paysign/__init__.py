"""VietQR payment signs: a household's bank account as a QR code every banking app pays,
shown on the digital-payments listing path and printed as an A5 sign."""
