/**
 * Shared queues: named FIFO queues per `vm_id`. A root context registers a queue (and becomes the one told
 * about new items through `proxy_on_queue_ready`); any VM resolves it by `vm_id` and name and enqueues.
 * Notifications are posted, never delivered inside the enqueuing call, as Envoy posts them to the owner's
 * dispatcher.
 * @module
 */
import { Status } from "../abi/status.ts";

/** Who is told when an item is enqueued. */
export interface QueueOwner {
  /** Called (from a microtask) once per enqueued item. */
  queueReady(queueId: number): void;
}

interface Queue {
  readonly vmId: string;
  readonly name: string;
  owner: QueueOwner | undefined;
  readonly items: Uint8Array[];
}

/** Queues by id and by (`vm_id`, name). */
export class SharedQueues {
  readonly #byId = new Map<number, Queue>();
  readonly #byName = new Map<string, number>();
  #nextId = 1;
  /** The most items a queue holds; an enqueue beyond it drops the oldest item. */
  readonly maxItems: number;

  /** Queues holding at most `maxItems` items each. */
  constructor(maxItems = 10_000) {
    this.maxItems = maxItems;
  }

  /** Registers (or re-registers) `name` for `vmId` with `owner`; the same name keeps its id. */
  register(vmId: string, name: string, owner: QueueOwner): number {
    const key = `${vmId}\0${name}`;
    let id = this.#byName.get(key);
    if (id === undefined) {
      id = this.#nextId++;
      this.#byName.set(key, id);
      this.#byId.set(id, { vmId, name, owner, items: [] });
    } else {
      this.#byId.get(id)!.owner = owner;
    }
    return id;
  }

  /** The id of queue `name` of `vmId`, or undefined. */
  resolve(vmId: string, name: string): number | undefined {
    return this.#byName.get(`${vmId}\0${name}`);
  }

  /** Appends `value` and posts a notification to the owner. */
  enqueue(id: number, value: Uint8Array): Status {
    const queue = this.#byId.get(id);
    if (!queue) return Status.NotFound;
    if (queue.items.length >= this.maxItems) queue.items.shift();
    queue.items.push(value);
    const owner = queue.owner;
    if (owner) queueMicrotask(() => owner.queueReady(id));
    return Status.Ok;
  }

  /** The oldest item, `Status.Empty` for an empty queue, `Status.NotFound` for an unknown id. */
  dequeue(id: number): Uint8Array | Status {
    const queue = this.#byId.get(id);
    if (!queue) return Status.NotFound;
    return queue.items.shift() ?? Status.Empty;
  }

  /** Stops telling `owner` about its queues (its VM is gone); the queues and their items stay. */
  release(owner: QueueOwner): void {
    for (const queue of this.#byId.values()) if (queue.owner === owner) queue.owner = undefined;
  }

  /** How many items queue `id` holds (for inspection). */
  size(id: number): number {
    return this.#byId.get(id)?.items.length ?? 0;
  }
}

/** The process-wide queues, used by plugins that are given none. */
export const processSharedQueues: SharedQueues = new SharedQueues();
