"""E-commerce onboarding: listing paths a business follows, step by step, with evidence."""
