<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * The transition is not allowed from the payment's current state (409).
 */
final class TransitionNotAllowedException extends \RuntimeException {

  public function __construct(
    public readonly string $currentState,
    public readonly string $transition,
  ) {
    parent::__construct(sprintf('Transition "%s" is not allowed from state "%s".', $transition, $currentState));
  }

}
