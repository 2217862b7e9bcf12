/** The peers joined on this process: room → node id → socket id. */
export class RoomDirectory {
  private readonly rooms = new Map<string, Map<string, string>>();
  private count = 0;

  /** Records `nodeId` of `room` as held by `socketId`. */
  add(room: string, nodeId: string, socketId: string): void {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Map()));
    if (!members.has(nodeId)) this.count += 1;
    members.set(nodeId, socketId);
  }

  /** Forgets `nodeId` of `room` if `socketId` still holds it; true when it did. */
  remove(room: string, nodeId: string, socketId: string): boolean {
    const members = this.rooms.get(room);
    if (members?.get(nodeId) !== socketId) return false;
    members.delete(nodeId);
    this.count -= 1;
    if (members.size === 0) this.rooms.delete(room);
    return true;
  }

  /** The socket holding `nodeId` in `room`, if it is on this process. */
  socketOf(room: string, nodeId: string): string | undefined {
    return this.rooms.get(room)?.get(nodeId);
  }

  /** Node ids of `room` on this process. */
  nodeIds(room: string): string[] {
    return [...(this.rooms.get(room)?.keys() ?? [])];
  }

  /** Every (room, node id, socket id) on this process. */
  *entries(): IterableIterator<{ room: string; nodeId: string; socketId: string }> {
    for (const [room, members] of this.rooms) for (const [nodeId, socketId] of members) yield { room, nodeId, socketId };
  }

  /** Rooms with at least one peer on this process. */
  get roomCount(): number {
    return this.rooms.size;
  }

  /** Joined peers on this process. */
  get memberCount(): number {
    return this.count;
  }
}
