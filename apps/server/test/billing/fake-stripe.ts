import Stripe from 'stripe';
import { startFakeHttpServer, type FakeHttpServer, type RecordedRequest, type Reply } from '../providers/fakes/fake-http.js';

/**
 * A local stand-in for the Stripe endpoints the server calls, speaking Stripe's wire format (form
 * bodies in, JSON objects and `{ error }` answers out) so the real `stripe` SDK talks to it. It
 * keeps the state Stripe would (customers, Checkout sessions, prices, subscriptions, invoices,
 * payment intents, charges) and makes the events Stripe would send; tests deliver them to the
 * webhook, signed with the SDK's test-header helper, in whatever order and number they like.
 */

type Json = Record<string, unknown>;
type Params = Record<string, unknown>;

const apiVersion = '2026-10-28.endive';

/** Parses Stripe's form encoding (`a[b][0][c]=x`) into nested objects and arrays. */
export function parseForm(text: string): Params {
  const root: Params = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const [rawKey = '', rawValue = ''] = pair.split('=');
    const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> | unknown[] = root;
    path.forEach((segment, index) => {
      const last = index === path.length - 1;
      const nextIsIndex = /^\d+$/.test(path[index + 1] ?? '');
      const container = node as Record<string, unknown>;
      if (last) {
        container[segment] = value;
        return;
      }
      container[segment] ??= nextIsIndex ? [] : {};
      node = container[segment] as Record<string, unknown>;
    });
  }
  return root;
}

const now = (): number => Math.floor(Date.now() / 1000);
const month = 30 * 24 * 3600;

export interface FakeStripe {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  readonly webhookSecret: string;
  customers: Map<string, Json>;
  sessions: Map<string, Json>;
  prices: Map<string, Json>;
  subscriptions: Map<string, Json>;
  invoices: Map<string, Json>;
  paymentIntents: Map<string, Json>;
  charges: Map<string, Json>;
  disputes: Map<string, Json>;
  /** Events made by API calls (a tier change's invoice, a cancel), in order; tests deliver them. */
  outbox: Json[];
  /** Off-session payments (auto top-up) answer card_declined while true. */
  declineOffSession: boolean;
  /** PaymentIntents created by the server (auto top-up). */
  createdPaymentIntents(): Json[];
  /** Pays a Checkout session as the customer would; returns the events Stripe sends. */
  completeCheckout(sessionId: string): Json[];
  /** Starts the next period of a subscription with a paid invoice. */
  renew(subscriptionId: string): Json[];
  /** The renewal's payment fails: the subscription is past due. */
  failRenewal(subscriptionId: string): Json[];
  /**
   * Time passes for a subscription: its current period moves `seconds` into the past (what a later
   * upgrade is prorated against; its end can pass, as before a renewal).
   */
  age(subscriptionId: string, seconds: number): void;
  /** Ends a subscription now. */
  endSubscription(subscriptionId: string): Json[];
  refund(paymentIntentId: string, amountCents: number): Json[];
  dispute(paymentIntentId: string, amountCents: number): Json[];
  /** The dispute's outcome: the card network decided for the merchant (won) or the customer (lost). */
  closeDispute(dispute: Json, outcome: 'won' | 'lost'): Json[];
  /** An event around a copy of `object` as it is now. */
  event(type: string, object: Json): Json;
  /** POSTs an event to the app's webhook, signed (or with the given signature). */
  deliver(appUrl: string, event: Json, signature?: string): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function startFakeStripe(): Promise<FakeStripe> {
  let counter = 0;
  const newId = (prefix: string): string => {
    counter += 1;
    return `${prefix}_${String(counter).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;
  };
  const customers = new Map<string, Json>();
  const sessions = new Map<string, Json>();
  const prices = new Map<string, Json>();
  const products = new Map<string, Json>();
  const subscriptions = new Map<string, Json>();
  const invoices = new Map<string, Json>();
  const paymentIntents = new Map<string, Json>();
  const charges = new Map<string, Json>();
  const disputes = new Map<string, Json>();
  const created: Json[] = [];
  const idempotent = new Map<string, Reply>();
  const outbox: Json[] = [];
  const webhookSecret = 'whsec_test_atelier_fake';
  const signer = new Stripe('sk_test_signer');

  const clone = <T>(value: T): T => structuredClone(value);
  const list = (data: Json[]): Json => ({ object: 'list', data, has_more: false, url: '/v1/list' });
  const notFound = (what: string): Reply => ({
    status: 404,
    body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}` } },
  });

  function event(type: string, object: Json): Json {
    return {
      id: newId('evt'),
      object: 'event',
      api_version: apiVersion,
      created: now(),
      data: { object: clone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  function paidIntent(customer: string, amount: number, metadata: Json): { intent: Json; charge: Json } {
    const intent: Json = {
      id: newId('pi'),
      object: 'payment_intent',
      amount,
      currency: 'usd',
      customer,
      payment_method: `pm_card_${customer}`,
      status: 'succeeded',
      metadata,
      last_payment_error: null,
    };
    const charge: Json = { id: newId('ch'), object: 'charge', amount, amount_refunded: 0, refunded: false, payment_intent: intent.id, currency: 'usd' };
    paymentIntents.set(intent.id as string, intent);
    charges.set(charge.id as string, charge);
    return { intent, charge };
  }

  function priceOf(id: string): Json {
    const price = prices.get(id);
    if (price === undefined) throw new Error(`fake stripe: no price ${id}`);
    return price;
  }

  function invoiceFor(subscription: Json, reason: string, amount: number, lines: Json[], paid: boolean): Json {
    const customer = subscription.customer as string;
    const invoice: Json = {
      id: newId('in'),
      object: 'invoice',
      customer,
      currency: 'usd',
      amount_due: amount,
      amount_paid: paid ? amount : 0,
      attempt_count: 1,
      billing_reason: reason,
      status: paid ? 'paid' : 'open',
      parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id, metadata: subscription.metadata } },
      lines: list(lines),
    };
    if (paid) {
      const { intent } = paidIntent(customer, amount, {});
      invoice.payments = list([{ object: 'invoice_payment', payment: { type: 'payment_intent', payment_intent: intent.id } }]);
    } else {
      invoice.payments = list([]);
    }
    invoices.set(invoice.id as string, invoice);
    return invoice;
  }

  function line(price: Json, amount: number, start: number, end: number): Json {
    return {
      id: newId('il'),
      object: 'line_item',
      amount,
      period: { start, end },
      pricing: { type: 'price_details', price_details: { price: price.id, product: price.product }, unit_amount_decimal: String(price.unit_amount) },
    };
  }

  function item(subscription: Json): Json {
    const items = (subscription.items as { data: Json[] }).data;
    const first = items[0];
    if (first === undefined) throw new Error('fake stripe: subscription without items');
    return first;
  }

  function stripeCardError(intent: Json): Reply {
    return {
      status: 402,
      body: {
        error: {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
          payment_intent: intent,
        },
      },
    };
  }

  async function handle(request: RecordedRequest): Promise<Reply> {
    const params = request.method === 'GET' ? parseForm(request.query.toString()) : parseForm(request.body.toString('utf8'));
    const key = request.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' ? `${request.method} ${request.path} ${key}` : undefined;
    if (idempotencyKey !== undefined) {
      const earlier = idempotent.get(idempotencyKey);
      if (earlier !== undefined) return earlier;
    }
    const reply = route(request, params);
    if (idempotencyKey !== undefined && typeof reply !== 'string' && reply.status < 500) idempotent.set(idempotencyKey, reply);
    return Promise.resolve(reply);
  }

  function route(request: RecordedRequest, params: Params): Reply {
    const { method, path } = request;
    const segments = path.split('/').filter((segment) => segment !== '');
    const [version, resource, id, action] = segments;
    if (version !== 'v1') return notFound(path);
    const ok = (body: Json): Reply => ({ status: 200, body: clone(body) });

    if (resource === 'customers' && method === 'POST' && id === undefined) {
      const customer: Json = { id: newId('cus'), object: 'customer', name: params.name, email: params.email, metadata: params.metadata ?? {}, invoice_settings: { default_payment_method: null } };
      customers.set(customer.id as string, customer);
      return ok(customer);
    }
    if (resource === 'customers' && method === 'GET' && id !== undefined) {
      const customer = customers.get(id);
      return customer === undefined ? notFound(`customer ${id}`) : ok(customer);
    }
    if (resource === 'prices' && method === 'GET' && id === undefined) {
      const keys = (params.lookup_keys as string[] | undefined) ?? [];
      return ok(list([...prices.values()].filter((price) => keys.includes(price.lookup_key as string) && price.active === true)));
    }
    if (resource === 'prices' && method === 'GET' && id !== undefined) {
      const price = prices.get(id);
      return price === undefined ? notFound(`price ${id}`) : ok(price);
    }
    if (resource === 'products' && method === 'POST') {
      const product: Json = { id: newId('prod'), object: 'product', name: params.name, metadata: params.metadata ?? {} };
      products.set(product.id as string, product);
      return ok(product);
    }
    if (resource === 'prices' && method === 'POST') {
      const price: Json = {
        id: newId('price'),
        object: 'price',
        active: true,
        currency: params.currency,
        unit_amount: Number(params.unit_amount),
        product: params.product,
        lookup_key: params.lookup_key ?? null,
        metadata: params.metadata ?? {},
        recurring: params.recurring ?? null,
      };
      prices.set(price.id as string, price);
      return ok(price);
    }
    if (path === '/v1/checkout/sessions' && method === 'POST') {
      const lineItems = (params.line_items as Json[] | undefined) ?? [];
      const first = lineItems[0] ?? {};
      const priceData = first.price_data as Json | undefined;
      const amount = priceData === undefined ? Number(priceOf(first.price as string).unit_amount) : Number(priceData.unit_amount);
      const session: Json = {
        id: newId('cs_test'),
        object: 'checkout.session',
        mode: params.mode,
        customer: params.customer,
        client_reference_id: params.client_reference_id ?? null,
        metadata: params.metadata ?? {},
        subscription_data: params.subscription_data ?? null,
        line_price: first.price ?? null,
        payment_status: 'unpaid',
        status: 'open',
        amount_total: amount,
        currency: 'usd',
        payment_intent: null,
        subscription: null,
        success_url: params.success_url,
        cancel_url: params.cancel_url,
        url: `https://checkout.stripe.test/pay/${String(counter)}`,
      };
      session.url = `https://checkout.stripe.test/pay/${session.id as string}`;
      sessions.set(session.id as string, session);
      return ok(session);
    }
    if (resource === 'checkout' && method === 'GET' && action !== undefined) {
      const session = sessions.get(action);
      if (session === undefined) return notFound(`checkout session ${action}`);
      const expanded = clone(session);
      const expand = (params.expand as string[] | undefined) ?? [];
      if (expand.includes('payment_intent') && typeof session.payment_intent === 'string') {
        expanded.payment_intent = clone(paymentIntents.get(session.payment_intent));
      }
      return ok(expanded);
    }
    if (path === '/v1/billing_portal/sessions' && method === 'POST') {
      return ok({ id: newId('bps'), object: 'billing_portal.session', customer: params.customer, return_url: params.return_url, url: `https://billing.stripe.test/session/${String(params.customer)}` });
    }
    if (resource === 'subscriptions' && id !== undefined && method === 'GET') {
      const subscription = subscriptions.get(id);
      return subscription === undefined ? notFound(`subscription ${id}`) : ok(subscription);
    }
    if (resource === 'subscriptions' && id !== undefined && method === 'POST') {
      const subscription = subscriptions.get(id);
      if (subscription === undefined) return notFound(`subscription ${id}`);
      return ok(updateSubscription(subscription, params));
    }
    if (resource === 'invoices' && id !== undefined && method === 'GET') {
      const invoice = invoices.get(id);
      return invoice === undefined ? notFound(`invoice ${id}`) : ok(invoice);
    }
    if (resource === 'charges' && method === 'GET' && id === undefined) {
      return ok(list([...charges.values()].filter((charge) => params.payment_intent === undefined || charge.payment_intent === params.payment_intent)));
    }
    if (resource === 'charges' && method === 'GET' && id !== undefined) {
      const charge = charges.get(id);
      return charge === undefined ? notFound(`charge ${id}`) : ok(charge);
    }
    if (resource === 'disputes' && method === 'GET' && id === undefined) {
      return ok(list([...disputes.values()].filter((dispute) => params.payment_intent === undefined || dispute.payment_intent === params.payment_intent)));
    }
    if (resource === 'payment_intents' && method === 'POST' && id === undefined) {
      const customer = params.customer as string;
      const intent: Json = {
        id: newId('pi'),
        object: 'payment_intent',
        amount: Number(params.amount),
        currency: params.currency,
        customer,
        payment_method: params.payment_method,
        metadata: params.metadata ?? {},
        status: 'succeeded',
        last_payment_error: null,
      };
      created.push(intent);
      paymentIntents.set(intent.id as string, intent);
      if (fake.declineOffSession) {
        intent.status = 'requires_payment_method';
        intent.last_payment_error = { type: 'card_error', code: 'card_declined', message: 'Your card has insufficient funds.' };
        return stripeCardError(clone(intent));
      }
      const charge: Json = { id: newId('ch'), object: 'charge', amount: intent.amount, amount_refunded: 0, refunded: false, payment_intent: intent.id, currency: 'usd' };
      charges.set(charge.id as string, charge);
      return ok(intent);
    }
    return notFound(`${method} ${path}`);
  }

  function updateSubscription(subscription: Json, params: Params): Json {
    if (params.cancel_at_period_end !== undefined) subscription.cancel_at_period_end = params.cancel_at_period_end === 'true';
    if (params.metadata !== undefined) subscription.metadata = { ...(subscription.metadata as Json), ...(params.metadata as Json) };
    const items = params.items as Json[] | undefined;
    const change = items?.[0];
    if (change?.price !== undefined) {
      const current = item(subscription);
      const oldPrice = current.price as Json;
      const newPrice = priceOf(change.price as string);
      current.price = newPrice;
      const difference = Number(newPrice.unit_amount) - Number(oldPrice.unit_amount);
      if (difference > 0 && params.proration_behavior === 'always_invoice') {
        // The rest of the period at the new price, minus the unused time at the old one, each line
        // rounded to the cent (as Stripe prorates: by the share of the period's seconds left).
        const start = now();
        const end = current.current_period_end as number;
        const periodStart = current.current_period_start as number;
        const left = Math.min(1, Math.max(0, (end - start) / Math.max(1, end - periodStart)));
        const unused = -Math.round(Number(oldPrice.unit_amount) * left);
        const remaining = Math.round(Number(newPrice.unit_amount) * left);
        const invoice = invoiceFor(subscription, 'subscription_update', unused + remaining, [line(oldPrice, unused, start, end), line(newPrice, remaining, start, end)], true);
        outbox.push(event('invoice.paid', invoice));
      }
    }
    outbox.push(event('customer.subscription.updated', subscription));
    return subscription;
  }

  const fake: FakeStripe = {
    baseUrl: '',
    requests: [],
    webhookSecret,
    customers,
    sessions,
    prices,
    subscriptions,
    invoices,
    paymentIntents,
    charges,
    disputes,
    outbox,
    declineOffSession: false,
    createdPaymentIntents: () => created,
    event,
    completeCheckout(sessionId) {
      const session = sessions.get(sessionId);
      if (session === undefined) throw new Error(`fake stripe: no session ${sessionId}`);
      const customer = session.customer as string;
      session.status = 'complete';
      session.payment_status = 'paid';
      if (session.mode === 'payment') {
        const { intent } = paidIntent(customer, session.amount_total as number, (session.metadata as Json | undefined) ?? {});
        session.payment_intent = intent.id;
        return [event('checkout.session.completed', session)];
      }
      const price = priceOf(session.line_price as string);
      const start = now();
      const subscriptionData = (session.subscription_data as Json | null) ?? {};
      const subscription: Json = {
        id: newId('sub'),
        object: 'subscription',
        customer,
        status: 'active',
        cancel_at_period_end: false,
        metadata: subscriptionData.metadata ?? {},
        default_payment_method: `pm_card_${customer}`,
        items: list([{ id: newId('si'), object: 'subscription_item', price, current_period_start: start, current_period_end: start + month }]),
      };
      subscriptions.set(subscription.id as string, subscription);
      session.subscription = subscription.id;
      const invoice = invoiceFor(subscription, 'subscription_create', Number(price.unit_amount), [line(price, Number(price.unit_amount), start, start + month)], true);
      return [event('checkout.session.completed', session), event('customer.subscription.created', subscription), event('invoice.paid', invoice)];
    },
    renew(subscriptionId) {
      const subscription = subscriptions.get(subscriptionId);
      if (subscription === undefined) throw new Error(`fake stripe: no subscription ${subscriptionId}`);
      const current = item(subscription);
      const start = current.current_period_end as number;
      current.current_period_start = start;
      current.current_period_end = start + month;
      subscription.status = 'active';
      const price = current.price as Json;
      const invoice = invoiceFor(subscription, 'subscription_cycle', Number(price.unit_amount), [line(price, Number(price.unit_amount), start, start + month)], true);
      return [event('invoice.paid', invoice), event('customer.subscription.updated', subscription)];
    },
    failRenewal(subscriptionId) {
      const subscription = subscriptions.get(subscriptionId);
      if (subscription === undefined) throw new Error(`fake stripe: no subscription ${subscriptionId}`);
      const current = item(subscription);
      const price = current.price as Json;
      subscription.status = 'past_due';
      const invoice = invoiceFor(subscription, 'subscription_cycle', Number(price.unit_amount), [line(price, Number(price.unit_amount), current.current_period_end as number, (current.current_period_end as number) + month)], false);
      return [event('invoice.payment_failed', invoice), event('customer.subscription.updated', subscription)];
    },
    age(subscriptionId, seconds) {
      const subscription = subscriptions.get(subscriptionId);
      if (subscription === undefined) throw new Error(`fake stripe: no subscription ${subscriptionId}`);
      const current = item(subscription);
      current.current_period_start = (current.current_period_start as number) - seconds;
      current.current_period_end = (current.current_period_end as number) - seconds;
    },
    endSubscription(subscriptionId) {
      const subscription = subscriptions.get(subscriptionId);
      if (subscription === undefined) throw new Error(`fake stripe: no subscription ${subscriptionId}`);
      subscription.status = 'canceled';
      return [event('customer.subscription.deleted', subscription)];
    },
    refund(paymentIntentId, amountCents) {
      const charge = [...charges.values()].find((candidate) => candidate.payment_intent === paymentIntentId);
      if (charge === undefined) throw new Error(`fake stripe: no charge for ${paymentIntentId}`);
      charge.amount_refunded = Math.min(charge.amount as number, (charge.amount_refunded as number) + amountCents);
      charge.refunded = charge.amount_refunded === charge.amount;
      return [event('charge.refunded', charge)];
    },
    dispute(paymentIntentId, amountCents) {
      const charge = [...charges.values()].find((candidate) => candidate.payment_intent === paymentIntentId);
      if (charge === undefined) throw new Error(`fake stripe: no charge for ${paymentIntentId}`);
      const dispute: Json = { id: newId('dp'), object: 'dispute', amount: amountCents, charge: charge.id, payment_intent: paymentIntentId, reason: 'fraudulent', status: 'needs_response', currency: 'usd' };
      disputes.set(dispute.id as string, dispute);
      charge.disputed = true;
      return [event('charge.dispute.created', dispute)];
    },
    closeDispute(dispute, outcome) {
      const stored = disputes.get(dispute.id as string);
      if (stored !== undefined) stored.status = outcome;
      return [event('charge.dispute.closed', stored ?? { ...dispute, status: outcome })];
    },
    async deliver(appUrl, payloadEvent, signature) {
      const payload = JSON.stringify(payloadEvent);
      const header = signature ?? signer.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
      const response = await fetch(`${appUrl}/api/billing/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header },
        body: payload,
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body };
    },
    close: () => server.close(),
  };
  const server: FakeHttpServer = await startFakeHttpServer((request) => handle(request));
  Object.assign(fake, { baseUrl: server.baseUrl, requests: server.requests });
  return fake;
}
