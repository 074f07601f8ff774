"""Digital-readiness self-assessment: questionnaire definitions, validation and scoring."""

from .benchmark import (
    BENCHMARK_MIN_GROUP,
    Position,
    Quartiles,
    benchmark,
    position_of,
    quartile_ranks,
    quartiles_from_ranks,
)
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
from .scoring import Comparison, Result, compare, score

__all__ = [
    "BENCHMARK_MIN_GROUP",
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
    "Position",
    "Quartiles",
    "Question",
    "QuestionType",
    "Questionnaire",
    "QuestionnaireRegistry",
    "Result",
    "Text",
    "benchmark",
    "compare",
    "position_of",
    "quartile_ranks",
    "quartiles_from_ranks",
    "load_all",
    "load_questionnaire",
    "parse_questionnaire",
    "score",
]
