"""The business of the agency network: dossiers, the day, reports and regions; composes geo and routing."""
