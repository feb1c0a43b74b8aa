"""Reports that gate cutover: summary.json (the machine verdict) and a self-contained index.html."""
