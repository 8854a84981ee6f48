import unittest

from app.health import VERSION, health


class HealthTest(unittest.TestCase):
    def test_reports_healthy_and_the_release_version(self):
        self.assertEqual(health(), {"status": "healthy", "version": VERSION})

    def test_version_is_semver(self):
        self.assertRegex(VERSION, r"^\d+\.\d+\.\d+$")


if __name__ == "__main__":
    unittest.main()
