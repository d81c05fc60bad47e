"""Tests of agencynet; a package so that tests/api and tests/routing do not shadow the api and routing packages."""
