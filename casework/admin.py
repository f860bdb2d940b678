"""Deliberately empty: casework holds personal data (cases, members, plans, activities, audit), and the
admin would show and edit it without the permission filter (casework.selectors.case_list) and without
the audit trail. Cases are read and changed only through the casework views and API.

Casework's vocabularies (statuses, issue tags, activity kinds) are code-level choices, and its master
data (areas, agencies, staff) is administered in network's admin.
"""
