<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Plugin\Validation\Constraint;

use Drupal\Core\StringTranslation\TranslatableMarkup;
use Drupal\Core\Validation\Attribute\Constraint;
use Symfony\Component\Validator\Constraint as SymfonyConstraint;

/**
 * The text of a string_long field is empty or one JSON object.
 */
#[Constraint(
  id: 'SeamJsonObjectText',
  label: new TranslatableMarkup('JSON object text', [], ['context' => 'Validation']),
)]
final class JsonObjectTextConstraint extends SymfonyConstraint {

  public string $message = 'The value @reason.';

}
