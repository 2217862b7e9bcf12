/**
 * Room membership shared by several server processes through Redis.
 *
 * Each room is a hash `<prefix>:room:<room>`: node id → "<process id> <socket id> <resume key hash>" (see
 * membership.ts for the resume key; a claim re-asserted without one has two fields). Each process keeps a
 * liveness key `<prefix>:proc:<process id>` that expires after three missed beats. Joins run as one Lua
 * script, so two processes can never both claim one node id or both take a room's last place; the script
 * also drops the entries of dead processes (a process that crashed without releasing its claims).
 * Every beat a process also re-asserts its own claims, so a Redis restart (which loses the hashes) heals.
 *
 * The scripts touch keys they do not declare (the liveness keys): fine on one Redis server or a replicated
 * pair, not on Redis Cluster.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisClient } from './redis-client.js';
import type { Claim, JoinOutcome, Member, Membership } from './membership.js';
import type { RoomDirectory } from './room-directory.js';

// KEYS[1] room hash. ARGV: node id, "<proc> <socket> <key hash>", max room size, liveness key prefix, the
// resume key hash presented ('' for none). Returns {'ok', replaced socket or '', peers...} or {code}.
const JOIN_SCRIPT = `
local entries = redis.call('HGETALL', KEYS[1])
local peers = {}
local replaced = nil
local taken = false
for i = 1, #entries, 2 do
  local id, owner = entries[i], entries[i + 1]
  local proc, sock, key = string.match(owner, '^(%S+) (%S+) ?(%S*)')
  if redis.call('EXISTS', ARGV[4] .. proc) == 0 then
    redis.call('HDEL', KEYS[1], id)
  elseif id == ARGV[1] then
    if ARGV[5] ~= '' and key == ARGV[5] then replaced = sock else taken = true end
  else
    peers[#peers + 1] = id
  end
end
if taken then return {'id-taken'} end
if #peers >= tonumber(ARGV[3]) then return {'room-full'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
table.insert(peers, 1, replaced or '')
table.insert(peers, 1, 'ok')
return peers
`;

// KEYS[1] room hash. ARGV: node id, "<proc> <socket>". Deletes the claim if that socket holds it (1, else 0).
const LEAVE_SCRIPT = `
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner and (owner == ARGV[2] or string.sub(owner, 1, #ARGV[2] + 1) == ARGV[2] .. ' ') then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
`;

// KEYS[1] room hash. ARGV: node id, liveness key prefix. Returns the owner, or nil (and forgets it) if dead.
const LOOKUP_SCRIPT = `
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if not owner then return nil end
if redis.call('EXISTS', ARGV[2] .. string.match(owner, '^(%S+)')) == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return nil
end
return owner
`;

/** Options of {@link createRedisMembership}. */
export interface RedisMembershipOptions {
  client: RedisClient;
  prefix: string;
  heartbeatMs: number;
  /** This process's own joined peers, re-asserted every beat. */
  local: RoomDirectory;
  logger: Logger;
}

/** Membership shared through Redis. Resolves once this process's liveness key is written. */
export async function createRedisMembership(o: RedisMembershipOptions): Promise<Membership> {
  const procId = randomUUID();
  const procPrefix = `${o.prefix}:proc:`;
  const procKey = procPrefix + procId;
  const roomKey = (room: string) => `${o.prefix}:room:${room}`;
  const owner = (socketId: string) => `${procId} ${socketId}`;
  /** This process's claims' resume key hashes, by socket id: re-asserted with the claim after a Redis restart. */
  const keys = new Map<string, string>();
  const ttl = o.heartbeatMs * 3;

  const beat = async () => {
    await o.client.set(procKey, '1', { PX: ttl });
    for (const m of o.local.entries()) {
      // HSETNX: after a Redis restart the claim comes back; a newer claim by someone else is left alone.
      await o.client.hSetNX(roomKey(m.room), m.nodeId, `${owner(m.socketId)} ${keys.get(m.socketId) ?? ''}`.trimEnd());
    }
  };
  await beat();
  const timer = setInterval(() => {
    beat().catch((err: unknown) => o.logger.warn({ err: String(err) }, 'redis heartbeat failed'));
  }, o.heartbeatMs);
  timer.unref();

  return {
    async join(claim: Claim, maxRoomSize: number, resumeHash?: string): Promise<JoinOutcome> {
      const reply = (await o.client.eval(JOIN_SCRIPT, {
        keys: [roomKey(claim.room)],
        arguments: [claim.nodeId, `${owner(claim.socketId)} ${claim.keyHash}`, String(maxRoomSize), procPrefix, resumeHash ?? ''],
      })) as string[];
      const [status, replaced, ...peers] = reply;
      if (status === 'ok') {
        keys.set(claim.socketId, claim.keyHash);
        return replaced ? { ok: true, peers, replaced } : { ok: true, peers };
      }
      if (status === 'id-taken' || status === 'room-full') return { ok: false, code: status };
      throw new Error(`unexpected join reply from redis: ${String(status)}`);
    },
    async leave(member: Member): Promise<boolean> {
      keys.delete(member.socketId);
      const deleted = await o.client.eval(LEAVE_SCRIPT, { keys: [roomKey(member.room)], arguments: [member.nodeId, owner(member.socketId)] });
      return deleted === 1;
    },
    async socketOf(room: string, nodeId: string): Promise<string | undefined> {
      const reply = (await o.client.eval(LOOKUP_SCRIPT, { keys: [roomKey(room)], arguments: [nodeId, procPrefix] })) as string | null;
      return reply?.split(' ')[1];
    },
    async close(): Promise<void> {
      clearInterval(timer);
      // Claims still in the directory were released by the caller; dropping the liveness key makes any
      // leftover one dead for the other processes at once.
      await o.client.del(procKey);
    },
  };
}
