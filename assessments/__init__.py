"""Digital-readiness self-assessment: questionnaire definitions, validation and scoring."""

from .errors import AnswerError, DefinitionError
from .loader import (
    QUESTIONNAIRE_DIR,
    QuestionnaireRegistry,
    load_all,
    load_questionnaire,
    parse_questionnaire,
)
from .model import Band, Condition, Dimension, Level, Option, Question, Questionnaire, Text
from .question_types import QUESTION_TYPES, QuestionType
from .scoring import Comparison, Quartiles, Result, benchmark, compare, score

__all__ = [
    "QUESTIONNAIRE_DIR",
    "QUESTION_TYPES",
    "AnswerError",
    "Band",
    "Comparison",
    "Condition",
    "DefinitionError",
    "Dimension",
    "Level",
    "Option",
    "Quartiles",
    "Question",
    "QuestionType",
    "Questionnaire",
    "QuestionnaireRegistry",
    "Result",
    "Text",
    "benchmark",
    "compare",
    "load_all",
    "load_questionnaire",
    "parse_questionnaire",
    "score",
]
