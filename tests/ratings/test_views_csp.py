"""The rating pages that load their own scripts give them the nonce of the page's policy."""

import pytest
from django.urls import reverse

from tests.test_security_headers import assert_page_policy, assert_scripts_carry_the_nonce

pytestmark = pytest.mark.django_db


def test_the_dashboard_script_gets_the_nonce_of_its_page(staff_client, results_cycle):
    response = staff_client.get(reverse("ratings:dashboard"), {"cycle": results_cycle.cycle.pk})
    assert response.status_code == 200
    assert "js/dashboard.js" in response.content.decode()
    assert_page_policy(response)
    assert_scripts_carry_the_nonce(response)
