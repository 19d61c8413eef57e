import pytest

from scaffolder.filters import camel, kebab, pascal, plural, singular, snake, title, words


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("user_profile", ["user", "profile"]),
        ("UserProfile", ["User", "Profile"]),
        ("userProfile-id", ["user", "Profile", "id"]),
        ("HTTPServer", ["HTTP", "Server"]),
        ("api key 2", ["api", "key", "2"]),
    ],
)
def test_words_split_at_separators_and_case_changes(value: str, expected: list[str]) -> None:
    assert words(value) == expected


@pytest.mark.parametrize(
    ("value", "snake_", "camel_", "pascal_", "kebab_", "title_"),
    [
        (
            "user_profile",
            "user_profile",
            "userProfile",
            "UserProfile",
            "user-profile",
            "User Profile",
        ),
        (
            "UserProfile",
            "user_profile",
            "userProfile",
            "UserProfile",
            "user-profile",
            "User Profile",
        ),
        ("api-key", "api_key", "apiKey", "ApiKey", "api-key", "Api Key"),
        ("HTTPServer", "http_server", "httpServer", "HttpServer", "http-server", "Http Server"),
    ],
)
def test_case_filters(
    value: str, snake_: str, camel_: str, pascal_: str, kebab_: str, title_: str
) -> None:
    assert (snake(value), camel(value), pascal(value), kebab(value), title(value)) == (
        snake_,
        camel_,
        pascal_,
        kebab_,
        title_,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("users", "user"),
        ("categories", "category"),
        ("people", "person"),
        ("user_profiles", "user_profile"),
        ("UserProfiles", "UserProfile"),
        ("user", "user"),
        ("status", "status"),
    ],
)
def test_singular_inflects_the_last_word(value: str, expected: str) -> None:
    assert singular(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("user", "users"),
        ("category", "categories"),
        ("person", "people"),
        ("stock_item", "stock_items"),
        ("StockItem", "StockItems"),
        ("users", "users"),
        ("status", "statuses"),
    ],
)
def test_plural_inflects_the_last_word(value: str, expected: str) -> None:
    assert plural(value) == expected


@pytest.mark.parametrize("code", ["s3", "v1", "ec2", "HTTP2", "api_v1", "us", "os", "k8s"])
def test_codes_and_short_words_are_not_inflected(code: str) -> None:
    """A word that runs into digits, or of one or two letters, is a code (a bucket, a
    version, a region), not a noun: ``s3`` would become ``3`` and ``us`` the pronoun ``me``."""
    assert singular(code) == code
    assert plural(code) == code
    assert singular(f"{code}_buckets") == f"{code}_bucket"  # its last word still is one
