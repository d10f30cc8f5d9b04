"""The practice's diabetes register: imported from a clinical-system search (``importing``),
stored by ``operations``, read by ``queries`` (who is not yet referred, the DM014 figure)."""
