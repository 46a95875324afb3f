"""Safe expressions in t: what evaluates, what is refused (with its position), and math errors."""

from __future__ import annotations

import math

import pytest

from kiln.media.expressions import ExpressionError, compile_expression


@pytest.mark.parametrize(
    ("source", "t", "expected"),
    [
        ("1.5", 0, 1.5),
        ("t", 7, 7.0),
        ("1.02+0.02*sin(2*3.14*t/20)", 5, 1.02 + 0.02 * math.sin(2 * 3.14 * 5 / 20)),
        ("2 + 3 * 4 ** 2", 0, 50.0),
        ("(2 + 3) * 4", 0, 20.0),
        ("-2 ** 2", 0, -4.0),
        ("2 ** -1", 0, 0.5),
        ("2 ** 3 ** 2", 0, 512.0),
        ("10 - 4 - 3", 0, 3.0),
        ("7 % 3 + 8 / 4", 0, 3.0),
        ("+t - -t", 2, 4.0),
        ("max(min(t, 5), 2)", 9, 5.0),
        ("max(min(t, 5), 2)", 0, 2.0),
        ("sqrt(abs(cos(pi * t)) * 16)", 1, 4.0),
        ("floor(t / 3) + ceil(0.2)", 7, 3.0),
        ("log(e ** 2) + log(8, 2) + exp(0)", 0, 6.0),
        ("tan(0) + min(3, 1, 2)", 0, 1.0),
        ("0x10 + 1_000", 0, 1016.0),
        ("(1 +\n 2)", 0, 3.0),
    ],
)
def test_evaluates(source: str, t: int, expected: float) -> None:
    assert compile_expression(source)(t) == pytest.approx(expected)


def test_knows_whether_it_uses_t() -> None:
    assert compile_expression("sin(t)").uses_t
    assert not compile_expression("sin(pi) + 1").uses_t


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("__import__('os').system('true')", 0, "only the built-in functions"),
        ("__import__('os')", 0, "unknown function '__import__'"),
        ("t.real", 0, "attribute access"),
        ("1 + t.__class__", 4, "attribute access"),
        ("os", 0, "unknown name 'os'"),
        ("2 * foo(t)", 4, "unknown function 'foo'"),
        ("sin", 0, "is a function"),
        ("(lambda: 1)()", 0, "only the built-in functions"),
        ("sin(t)(1)", 0, "only the built-in functions"),
        ("[1, 2]", 0, "lists, tuples"),
        ("t[0]", 0, "indexing"),
        ("t < 3", 0, "comparisons"),
        ("t if t else 1", 0, "conditional"),
        ("'text'", 0, "only numbers"),
        ("True", 0, "only numbers"),
        ("1j", 0, "only numbers"),
        ("1e999", 0, "too large"),
        ("t // 2", 2, "operator '//'"),
        ("t @ t", 2, "operator '@'"),
        ("not t", 0, "'not'"),
        ("min(*t)", 4, "unpacking"),
        ("max(x=1)", 0, "keyword"),
        ("sin(1, 2)", 0, "takes 1 argument"),
        ("min()", 0, "1 or more"),
        ("(1 + 2", 0, "never closed"),
        ("1 + 2)", 5, "unmatched"),
        ("1 +", 3, "invalid expression"),
        ("  ", 2, "expected a number"),
    ],
)
def test_refuses_with_position(source: str, position: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)
    assert caught.value.position == position
    assert fragment in caught.value.reason
    assert str(caught.value).startswith(f"position {position}: ")


def test_positions_count_characters_not_bytes() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("é + bad")
    assert caught.value.position == 0  # 'é' itself is an unknown name
    with pytest.raises(ExpressionError) as caught:
        compile_expression("(1) + ünknown")
    assert caught.value.position == 6


@pytest.mark.parametrize(
    ("source", "t", "position", "fragment"),
    [
        ("1 / (t - 1)", 1, 2, "division by zero at t=1"),
        ("t % 0", 3, 2, "division by zero"),
        ("sqrt(t - 5)", 0, 0, "math error"),
        ("log(t)", 0, 0, "math error"),
        ("(-8) ** 0.5", 0, 5, "math error"),
        ("10 ** 10 ** 10", 0, 3, "too large"),
        ("exp(t)", 1000, 0, "too large"),
        ("1e308 * t", 10, 6, "not a finite number"),
    ],
)
def test_math_errors_name_the_operation(source: str, t: float, position: int, fragment: str) -> None:
    expression = compile_expression(source)
    with pytest.raises(ExpressionError) as caught:
        expression(t)
    assert caught.value.position == position
    assert fragment in caught.value.reason


@pytest.mark.parametrize("source", ["1+" * 150 + "1", "(" * 300 + "1" + ")" * 300, "-" * 5000 + "1"])
def test_deep_nesting_is_refused_not_a_crash(source: str) -> None:
    with pytest.raises(ExpressionError, match="nested"):
        compile_expression(source)
    assert compile_expression("1+" * 50 + "t")(1) == 51.0
