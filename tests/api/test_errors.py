"""config.api_errors: the one mapping from domain exceptions to API answers."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from config.api_errors import validation_error_data


def test_field_errors_keep_their_field_names():
    error = ValidationError({"closure_reason": "Choose a reason.", NON_FIELD_ERRORS: ["Something else."]})
    assert validation_error_data(error) == {
        "closure_reason": ["Choose a reason."],
        "non_field_errors": ["Something else."],
    }


def test_an_error_without_a_field_goes_under_non_field_errors():
    error = ValidationError("These fields cannot be edited here: %(f)s", params={"f": "area"})
    assert validation_error_data(error) == {"non_field_errors": ["These fields cannot be edited here: area"]}
