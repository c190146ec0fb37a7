"""The office's registers: agency filings (Y1) and filed practitioners (Y2), and their import."""
