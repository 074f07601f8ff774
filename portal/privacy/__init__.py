"""Personal data: the privacy notice and consent, the owner's download and account closure,
and retention."""
