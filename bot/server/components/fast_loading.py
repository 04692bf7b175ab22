"""Rasa's neural components, loaded for answering without first running a training step.

Rasa's `RasaModel.load` trains one step on an example, to create every weight and the optimizer's,
and only then reads the trained weights from the model. On 2 cores that step was 78 s of a
server's 108 s start-up (DIET 58 s, and TED 20 s when the policies still had it), and the peak of
its memory. A server that only answers needs no optimizer, so here the weights file is read first
and each weight is restored as it is created by a prediction on the stored example (TensorFlow's
restore-on-create). Then every weight the prediction created must have come from the model file;
if one did not, the model is loaded Rasa's way instead, with a warning, so that a server never
answers from untrained weights. Parses of the held-out sets are the same to the last digit either
way (tests/e2e/test_fast_loading.py). Fine-tuning (`rasa train --finetune`) takes Rasa's way,
which needs the optimizer.

config.yml names these classes instead of Rasa's; they are Rasa's in every other respect.
"""

from __future__ import annotations

import logging
from typing import Any, Optional, Type

import tensorflow as tf
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.nlu.selectors.response_selector import DIET2BOW, DIET2DIET, ResponseSelector
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

logger = logging.getLogger(__name__)


class ReadsWeightsBeforeBuilding:
    """Mixed into a RasaModel class: `load` reads the weights, then builds only what predicts."""

    @classmethod
    def load(
        cls,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: Optional[RasaModelData] = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode or predict_data_example is None:
            return super().load(
                model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        config = kwargs.get("config", {})
        model = cls(*args, **kwargs)
        model.compile(
            optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=config.get(RUN_EAGERLY)
        )
        restoration = model.load_weights(model_file_name)
        model.run_inference(predict_data_example)
        try:
            restoration.assert_existing_objects_matched()
        except AssertionError as mismatch:
            logger.warning(
                "%s: a weight built for prediction is not in %s (%s); loading it Rasa's slower way instead.",
                cls.__name__,
                model_file_name,
                mismatch,
            )
            return super().load(
                model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        # The optimizer's values and the layers only training uses stay in the file, unread.
        restoration.expect_partial()
        return model


class FastLoadingDIET(ReadsWeightsBeforeBuilding, DIET):
    pass


class FastLoadingDIET2BOW(ReadsWeightsBeforeBuilding, DIET2BOW):
    pass


class FastLoadingDIET2DIET(ReadsWeightsBeforeBuilding, DIET2DIET):
    pass


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class FastLoadingDIETClassifier(DIETClassifier):
    """Rasa's DIETClassifier, loaded by FastLoadingDIET."""

    @staticmethod
    def model_class() -> Type[RasaModel]:
        return FastLoadingDIET


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FastLoadingResponseSelector(ResponseSelector):
    """Rasa's ResponseSelector, loaded by FastLoadingDIET2BOW (or 2DIET)."""

    @staticmethod
    def model_class(use_text_as_label: bool) -> Type[RasaModel]:  # type: ignore[override]
        return FastLoadingDIET2DIET if use_text_as_label else FastLoadingDIET2BOW
