from werkzeug.datastructures import MultiDict

from finder.circumstances import PARAMETERS, Circumstances, parse

AREAS = {"camden", "islington"}


def test_every_valid_answer_is_read():
    args = MultiDict(
        {
            "diabetes": "type2",
            "diagnosed": "recent",
            "daytime": "no",
            "evenings": "yes",
            "weekends": "no",
            "learning": "own_pace",
            "group_worry": "yes",
            "computer": "with_help",
            "language": "BN",
            "reading": "spoken",
            "companion": "yes",
            "conditions": "no",
            "area": "camden",
        }
    )
    person, errors = parse(args, AREAS)
    assert errors == {}
    assert person.language == "bn"
    assert person.answered() == {**args.to_dict(), "language": "bn"}
    assert tuple(person.answered()) == PARAMETERS


def test_missing_and_empty_answers_are_not_known_and_other_parameters_are_ignored():
    person, errors = parse(MultiDict({"diabetes": "", "utm_source": "x", "continue": "1"}), AREAS)
    assert person == Circumstances()
    assert errors == {}


def test_each_bad_value_is_named():
    args = MultiDict(
        {"diabetes": "type3", "language": "klingon", "area": "atlantis", "daytime": "YES"}
    )
    person, errors = parse(args, AREAS)
    assert errors == {
        "diabetes": "type3",
        "language": "klingon",
        "area": "atlantis",
        "daytime": "YES",
    }
    assert person == Circumstances()


def test_a_language_must_be_a_real_language_tag():
    assert parse(MultiDict({"language": "zz"}), AREAS)[1] == {"language": "zz"}
    assert parse(MultiDict({"language": "so"}), AREAS)[0].language == "so"
