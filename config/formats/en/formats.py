"""The English pages show dates and times in the same shape as the Japanese ones: 2026/12/02 07:39."""

DATE_FORMAT = "Y/m/d"
SHORT_DATE_FORMAT = "Y/m/d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y/m/d H:i"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "m/d"
