"""The month: recording the vital events (pregnancy, birth, death, a member leaving) under the month
lock, the 4.18a derived from them, the monthly report with its review workflow, completeness and the
inbox."""
