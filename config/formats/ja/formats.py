"""One shape for dates and times on every page: 2026/12/02 and 07:39 (zero-padded, 24-hour).

Django's own `ja` formats are used for what is not set here. Reports label fiscal years with their era
(令和6(2024)年度) through network.fiscal.reiwa_label, not through these formats.
"""

DATE_FORMAT = "Y/m/d"
SHORT_DATE_FORMAT = "Y/m/d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y/m/d H:i"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "m/d"
