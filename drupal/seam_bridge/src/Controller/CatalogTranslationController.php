<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Controller;

use Drupal\commerce_product\Entity\ProductInterface;
use Drupal\Core\Database\Connection;
use Drupal\Core\DependencyInjection\ContainerInjectionInterface;
use Drupal\Core\Entity\EntityRepositoryInterface;
use Drupal\Core\Entity\EntityTypeManagerInterface;
use Drupal\Core\Language\LanguageManagerInterface;
use Drupal\Core\Lock\LockBackendInterface;
use Drupal\Core\Session\AccountInterface;
use Drupal\seam_bridge\Catalog\EntityCatalogTranslationPort;
use Drupal\seam_bridge\CatalogTranslationHandler;
use Psr\Log\LoggerInterface;
use Symfony\Component\DependencyInjection\ContainerInterface;
use Symfony\Component\HttpFoundation\JsonResponse;
use Symfony\Component\HttpFoundation\Request;
use Symfony\Component\HttpFoundation\Response;

/**
 * GET, PUT, DELETE /seam/catalog/product/{uuid}/translation/{langcode}.
 *
 * Drupal's JSON:API reads and PATCHes existing translations but cannot
 * create one, so seam's catalog flow writes a product's translations here
 * (docs/bridge.md, "Catalog translations"). Routing has checked the
 * permission ("seam bridge sync catalog" or "administer commerce_product");
 * here: 404 for an unknown product, 403 without update access to it (as
 * JSON:API would answer), 415 for a PUT that is not JSON; the rest is
 * CatalogTranslationHandler's, under a per-product lock and a transaction.
 */
final class CatalogTranslationController implements ContainerInjectionInterface {

  private const LOCK_TIMEOUT = 30.0;

  public function __construct(
    private readonly EntityRepositoryInterface $entityRepository,
    private readonly EntityTypeManagerInterface $entityTypeManager,
    private readonly LanguageManagerInterface $languageManager,
    private readonly LockBackendInterface $lock,
    private readonly Connection $database,
    private readonly AccountInterface $account,
    private readonly LoggerInterface $logger,
  ) {}

  /**
   * {@inheritdoc}
   */
  public static function create(ContainerInterface $container): static {
    return new static(
      $container->get('entity.repository'),
      $container->get('entity_type.manager'),
      $container->get('language_manager'),
      $container->get('lock'),
      $container->get('database'),
      $container->get('current_user'),
      $container->get('logger.channel.seam_bridge'),
    );
  }

  public function get(string $product_uuid, string $langcode): Response {
    $product = $this->product($product_uuid, 'view');
    if ($product instanceof Response) {
      return $product;
    }
    [$status, $body] = CatalogTranslationHandler::get(new EntityCatalogTranslationPort($product, $this->languageManager), $langcode);
    return self::json($status, $body);
  }

  public function put(string $product_uuid, string $langcode, Request $request): Response {
    if (!self::isJson((string) $request->headers->get('content-type'))) {
      return self::json(415, CatalogTranslationHandler::error('invalid_request', 'content-type must be application/json'));
    }
    $raw = (string) $request->getContent();
    return $this->locked($product_uuid, $langcode, 'PUT', fn(EntityCatalogTranslationPort $port): array => CatalogTranslationHandler::put($port, $langcode, $raw));
  }

  public function delete(string $product_uuid, string $langcode): Response {
    return $this->locked($product_uuid, $langcode, 'DELETE', fn(EntityCatalogTranslationPort $port): array => CatalogTranslationHandler::delete($port, $langcode));
  }

  /**
   * Runs a write under the product's lock and a transaction.
   *
   * @param callable(\Drupal\seam_bridge\Catalog\EntityCatalogTranslationPort): array{0: int, 1: array<string, mixed>|null} $write
   */
  private function locked(string $uuid, string $langcode, string $method, callable $write): Response {
    $product = $this->product($uuid, 'update');
    if ($product instanceof Response) {
      return $product;
    }
    $lockName = 'seam_bridge_catalog:' . $product->id();
    if (!$this->lock->acquire($lockName, self::LOCK_TIMEOUT)) {
      $this->lock->wait($lockName, (int) self::LOCK_TIMEOUT);
      if (!$this->lock->acquire($lockName, self::LOCK_TIMEOUT)) {
        return self::json(503, CatalogTranslationHandler::error('internal_error', 'the product is busy; retry'));
      }
    }
    $transaction = NULL;
    try {
      $transaction = $this->database->startTransaction();
      // Re-read under the lock: another request may just have changed it.
      $fresh = $this->entityTypeManager->getStorage('commerce_product')->loadUnchanged($product->id());
      [$status, $body] = $write(new EntityCatalogTranslationPort($fresh, $this->languageManager));
      if ($status < 300) {
        $this->logger->info('Product @uuid: translation @langcode @what.', [
          '@uuid' => $uuid,
          '@langcode' => $langcode,
          '@what' => $method === 'PUT' ? 'written' : 'removed',
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
      $this->logger->error('Product @uuid: @method translation @langcode failed: @message', [
        '@uuid' => $uuid,
        '@method' => $method,
        '@langcode' => $langcode,
        '@message' => $e->getMessage(),
      ]);
      return self::json(500, CatalogTranslationHandler::error('internal_error', 'the translation could not be saved; see the site log'));
    }
    finally {
      $this->lock->release($lockName);
    }
  }

  /**
   * The product, or the answer when there is none or the account may not
   * $operation it.
   */
  private function product(string $uuid, string $operation): ProductInterface|Response {
    $product = $this->entityRepository->loadEntityByUuid('commerce_product', $uuid);
    if (!$product instanceof ProductInterface) {
      return self::json(404, CatalogTranslationHandler::error('not_found', 'No product with this UUID.'));
    }
    if (!$product->access($operation, $this->account)) {
      return self::json(403, CatalogTranslationHandler::error('forbidden', "The account may not $operation this product (Commerce's product permissions)."));
    }
    return $product;
  }

  /**
   * Whether a content-type header names JSON (application/json, +json).
   */
  private static function isJson(string $contentType): bool {
    $type = strtolower(trim(explode(';', $contentType, 2)[0]));
    return $type === 'application/json' || str_ends_with($type, '+json');
  }

  /**
   * @param array<string, mixed>|null $body
   */
  private static function json(int $status, ?array $body): Response {
    $response = $body === NULL ? new Response('', $status) : new JsonResponse($body, $status);
    $response->setPrivate();
    $response->headers->addCacheControlDirective('no-store');
    return $response;
  }

}
