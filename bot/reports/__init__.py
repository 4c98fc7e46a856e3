"""Execution-discipline reports: the figures (rules), the chart and the workbook (pure),
the steps that read them, and the quarterly report's scheduled duty."""
