"""The OpenAPI 3.1 description of the API. Tests check real responses against these schemas."""

from __future__ import annotations

from typing import Any

from finder.circumstances import CHOICES, PARAMETERS
from finder.matching import FITS

_DESCRIPTIONS = {
    "diabetes": "Which kind of diabetes the person has.",
    "diagnosed": "Whether they were diagnosed in the last 12 months.",
    "daytime": "Whether they can attend on weekday daytimes.",
    "evenings": "Whether they could attend in the evening.",
    "weekends": "Whether they could attend at a weekend.",
    "learning": "Whether they prefer learning in a group or at their own pace.",
    "group_worry": "Whether being in a group would make them anxious.",
    "computer": "How comfortable they are using the internet.",
    "language": "The language they would like the course in (a language tag such as bn).",
    "reading": "How comfortable they are reading health information.",
    "companion": "Whether they would like to bring a relative, friend or carer.",
    "conditions": "Whether they have other long-term health conditions.",
    "area": "Their area: a slug from the directory.",
}


def _parameter(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if name in CHOICES:
        schema["enum"] = list(CHOICES[name])
    elif name == "language":
        schema["pattern"] = "^[a-z]{2,3}$"
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": _DESCRIPTIONS[name],
        "schema": schema,
    }


_LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "Language of the texts in the response (a shipped site language).",
    "schema": {"type": "string", "default": "en"},
}
_MESSAGE = {
    "type": "object",
    "required": ["code", "text"],
    "additionalProperties": False,
    "properties": {"code": {"type": "string"}, "text": {"type": "string"}},
}
_NULLABLE_STRING = {"type": ["string", "null"]}
_ERROR_400 = {
    "description": "One or more parameters are not valid; each is named.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Diabetes Education Finder API",
        "version": "1.0.0",
        "description": "The directory of diabetes self-management education programmes, and "
        "the ranked menu of options for a person's circumstances.",
    },
    "paths": {
        "/api/v1/programmes": {
            "get": {
                "operationId": "listProgrammes",
                "summary": "The programme directory",
                "parameters": [_LANG],
                "responses": {
                    "200": {
                        "description": "Every programme with its upcoming course runs.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ProgrammeList"}
                            }
                        },
                    },
                    "400": _ERROR_400,
                },
            }
        },
        "/api/v1/match": {
            "get": {
                "operationId": "match",
                "summary": "The ranked menu of options for a person's circumstances",
                "parameters": [*[_parameter(name) for name in PARAMETERS], _LANG],
                "responses": {
                    "200": {
                        "description": "Every programme, best fit first, with reasons.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Menu"}}
                        },
                    },
                    "400": _ERROR_400,
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Whether the app and its database answer",
                "responses": {
                    "200": {
                        "description": "Healthy.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Health"}}
                        },
                    },
                    "503": {
                        "description": "The database does not answer.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Health"}}
                        },
                    },
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Message": _MESSAGE,
            "Option": {
                "type": "object",
                "required": ["programme", "fit", "reasons", "cautions", "next_start"],
                "additionalProperties": False,
                "properties": {
                    "programme": {"type": "string"},
                    "fit": {"enum": list(FITS)},
                    "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
                    "cautions": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Message"},
                    },
                    "next_start": {"type": ["string", "null"], "format": "date"},
                    "days_to_start": {"type": ["integer", "null"]},
                },
            },
            "Menu": {
                "type": "object",
                "required": ["options"],
                "additionalProperties": False,
                "properties": {
                    "options": {"type": "array", "items": {"$ref": "#/components/schemas/Option"}},
                    "elsewhere": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "How many programmes are only for people who live in "
                        "other areas (given an area): counted, not listed.",
                    },
                    "see_also": {
                        **_NULLABLE_STRING,
                        "description": "Education outside the directory to point to first: "
                        "nhs-diabetes-prevention-programme (prediabetes) or "
                        "type1-education (DAFNE, BERTIE Online; type 1).",
                    },
                },
            },
            "Run": {
                "type": "object",
                "additionalProperties": False,
                "required": ["start_date", "start_time", "end_time", "language", "places_left"],
                "properties": {
                    "start_date": {"type": "string", "format": "date"},
                    "start_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
                    "end_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
                    "evening": {"type": "boolean"},
                    "weekend": {"type": "boolean"},
                    "language": {"type": "string"},
                    "places_left": {"type": "integer", "minimum": 0},
                    "expected_wait_days": {"type": ["integer", "null"], "minimum": 0},
                    "venue": _NULLABLE_STRING,
                    "step_free": {"type": ["boolean", "null"]},
                },
            },
            "Programme": {
                "type": "object",
                "additionalProperties": False,
                "required": ["slug", "name", "delivery", "self_referral", "runs", "sources"],
                "properties": {
                    "slug": {"type": "string"},
                    "name": {"type": "string"},
                    "summary": {"type": "string"},
                    "text_language": {"type": "string"},
                    "provider": {"type": "string"},
                    "delivery": {"enum": ["online", "group"]},
                    "diabetes_types": {"type": "array", "items": {"enum": ["type1", "type2"]}},
                    "stages": {"type": "array", "items": {"enum": ["recent", "established"]}},
                    "self_referral": {"type": "boolean"},
                    "sessions": {"type": ["integer", "null"]},
                    "session_hours": {"type": ["number", "null"]},
                    "content_languages": {"type": "array", "items": {"type": "string"}},
                    "areas": {"type": "array", "items": {"type": "string"}},
                    "last_verified": {"type": "string", "format": "date"},
                    "sources": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["fact", "url"],
                            "properties": {
                                "fact": {"type": "string"},
                                "url": {"type": "string"},
                                "unverified": {"type": "boolean"},
                            },
                        },
                    },
                    "runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
                },
            },
            "ProgrammeList": {
                "type": "object",
                "required": ["programmes"],
                "additionalProperties": False,
                "properties": {
                    "programmes": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Programme"},
                    }
                },
            },
            "Error": {
                "type": "object",
                "required": ["error", "errors"],
                "additionalProperties": False,
                "properties": {
                    "error": {"const": "invalid_parameters"},
                    "errors": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["parameter", "value", "allowed"],
                            "properties": {
                                "parameter": {"type": "string"},
                                "value": {"type": "string"},
                                "allowed": {
                                    "oneOf": [
                                        {"type": "string"},
                                        {"type": "array", "items": {"type": "string"}},
                                    ]
                                },
                            },
                        },
                    },
                },
            },
            "Health": {
                "type": "object",
                "required": ["status", "database"],
                "properties": {
                    "status": {"enum": ["ok", "error"]},
                    "database": {"enum": ["ok", "error"]},
                },
            },
        }
    },
}
