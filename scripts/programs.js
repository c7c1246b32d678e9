// The programs this package ships: name -> module whose `main(ctx)` runs it. Read by the
// bundler (build-bundle.js) and the single-executable builder (build-sea.js); src/cli/multicall.ts
// lists the same names.
export const PROGRAMS = {
  'swarm-download': 'src/cli/swarm-download.ts',
  'swarm-server': 'src/cli/swarm-server.ts',
  swarm: 'src/cli/swarm.ts',
};
