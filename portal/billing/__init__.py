"""Course fees: subsidies, card payments through Stripe, refunds, receipts and the money report."""
