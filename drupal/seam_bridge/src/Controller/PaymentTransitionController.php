<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Controller;

use Drupal\commerce_payment\Entity\PaymentInterface;
use Drupal\Core\Database\Connection;
use Drupal\Core\DependencyInjection\ContainerInjectionInterface;
use Drupal\Core\Entity\EntityRepositoryInterface;
use Drupal\Core\Entity\EntityTypeManagerInterface;
use Drupal\Core\Lock\LockBackendInterface;
use Drupal\seam_bridge\IdempotencyStore;
use Drupal\seam_bridge\InvalidRequestException;
use Drupal\seam_bridge\Payment\EntityPaymentPort;
use Drupal\seam_bridge\TransitionHandler;
use Drupal\seam_bridge\TransitionRequest;
use Psr\Log\LoggerInterface;
use Symfony\Component\DependencyInjection\ContainerInterface;
use Symfony\Component\HttpFoundation\JsonResponse;
use Symfony\Component\HttpFoundation\Request;

/**
 * POST /seam/payment/{uuid}/transition (contracts/bridge/v1).
 *
 * Routing has already checked the permission "seam bridge transition
 * payments" (403). Here: 415 for a non-JSON content type, 422 for a bad body,
 * 404 for an unknown payment, then under a per-payment lock and a database
 * transaction TransitionHandler checks the idempotency key, the transition
 * and the amount, saves the payment and stores the answer (200 / 409 / 422).
 */
final class PaymentTransitionController implements ContainerInjectionInterface {

  private const LOCK_TIMEOUT = 30.0;

  public function __construct(
    private readonly EntityRepositoryInterface $entityRepository,
    private readonly EntityTypeManagerInterface $entityTypeManager,
    private readonly LockBackendInterface $lock,
    private readonly Connection $database,
    private readonly IdempotencyStore $store,
    private readonly LoggerInterface $logger,
  ) {}

  /**
   * {@inheritdoc}
   */
  public static function create(ContainerInterface $container): static {
    return new static(
      $container->get('entity.repository'),
      $container->get('entity_type.manager'),
      $container->get('lock'),
      $container->get('database'),
      $container->get('seam_bridge.idempotency_store'),
      $container->get('logger.channel.seam_bridge'),
    );
  }

  public function transition(string $payment_uuid, Request $request): JsonResponse {
    if (!self::isJson((string) $request->headers->get('content-type'))) {
      return self::json(415, TransitionHandler::invalid('content-type must be application/json'));
    }
    try {
      $transitionRequest = TransitionRequest::fromJson((string) $request->getContent());
    }
    catch (InvalidRequestException $e) {
      return self::json(422, TransitionHandler::invalid($e->getMessage()));
    }
    $payment = $this->entityRepository->loadEntityByUuid('commerce_payment', $payment_uuid);
    if (!$payment instanceof PaymentInterface) {
      return self::json(404, ['error' => 'not_found']);
    }

    $lockName = 'seam_bridge_payment:' . $payment->id();
    if (!$this->lock->acquire($lockName, self::LOCK_TIMEOUT)) {
      $this->lock->wait($lockName, (int) self::LOCK_TIMEOUT);
      if (!$this->lock->acquire($lockName, self::LOCK_TIMEOUT)) {
        return self::json(503, ['error' => 'internal_error', 'detail' => 'the payment is busy; retry']);
      }
    }
    $transaction = NULL;
    try {
      $transaction = $this->database->startTransaction();
      // Re-read under the lock: another request may just have changed it.
      $fresh = $this->entityTypeManager->getStorage('commerce_payment')->loadUnchanged($payment->id());
      [$status, $body] = TransitionHandler::handle($transitionRequest, new EntityPaymentPort($fresh), $this->store);
      if ($status === 200 && !$body['replayed']) {
        $this->logger->info('Payment @uuid: @transition applied, now @state (key @key).', [
          '@uuid' => $payment_uuid,
          '@transition' => $transitionRequest->transition,
          '@state' => $body['state'],
          '@key' => $transitionRequest->idempotencyKey,
        ]);
      }
      elseif ($status !== 200) {
        $this->logger->notice('Payment @uuid: @transition refused (@status): @body', [
          '@uuid' => $payment_uuid,
          '@transition' => $transitionRequest->transition,
          '@status' => $status,
          '@body' => json_encode($body),
        ]);
      }
      // Commit before the lock is released.
      $transaction = NULL;
      return self::json($status, $body);
    }
    catch (\Throwable $e) {
      if ($transaction !== NULL) {
        $transaction->rollBack();
      }
      $this->logger->error('Payment @uuid: @transition failed: @message', [
        '@uuid' => $payment_uuid,
        '@transition' => $transitionRequest->transition,
        '@message' => $e->getMessage(),
      ]);
      return self::json(500, ['error' => 'internal_error']);
    }
    finally {
      $this->lock->release($lockName);
    }
  }

  /**
   * Whether a content-type header names JSON (application/json, +json).
   */
  private static function isJson(string $contentType): bool {
    $type = strtolower(trim(explode(';', $contentType, 2)[0]));
    return $type === 'application/json' || str_ends_with($type, '+json');
  }

  private static function json(int $status, array $body): JsonResponse {
    $response = new JsonResponse($body, $status);
    $response->setPrivate();
    $response->headers->addCacheControlDirective('no-store');
    return $response;
  }

}
