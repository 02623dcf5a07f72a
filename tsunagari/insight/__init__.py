"""Anonymous aggregate insight: what residents asked for, and the ward's monthly report."""
