// cluster-key-slot ships no types. Its one export maps a key (a string, or its bytes) to the Cluster slot Redis gives it.
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string | ArrayLike<number>): number;
}
