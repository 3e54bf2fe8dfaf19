<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Plugin\Validation\Constraint;

use Drupal\seam_bridge\JsonText;
use Symfony\Component\Validator\Constraint;
use Symfony\Component\Validator\ConstraintValidator;

/**
 * Validates SeamJsonObjectText on the field (its first item's "value").
 */
final class JsonObjectTextConstraintValidator extends ConstraintValidator {

  /**
   * {@inheritdoc}
   */
  public function validate(mixed $value, Constraint $constraint): void {
    $text = is_object($value) && isset($value->value) ? $value->value : $value;
    if (!is_string($text) && $text !== NULL) {
      return;
    }
    $error = JsonText::objectError($text);
    if ($error !== NULL) {
      $this->context->buildViolation($constraint->message, ['@reason' => $error])
        ->addViolation();
    }
  }

}
