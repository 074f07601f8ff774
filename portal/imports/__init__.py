"""Bulk import: province staff bring in the businesses and households they already know."""
