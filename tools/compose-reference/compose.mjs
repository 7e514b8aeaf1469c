// Composes every fixture case under tests/router/fixtures with Apollo's composition
// (@apollo/composition) and The Guild's (@theguild/federation-composition), writing:
//   <case>/supergraph.reference.graphql   Apollo's supergraph (what our composer must match)
//   <case>/supergraph.guild.graphql       The Guild's supergraph (for supergraph-loader tests),
//                                         only where Apollo composes the case too
//   <case>/errors.reference.json          Apollo's error codes/messages when composition fails
// Usage: node compose.mjs [CASE ...]   (FIXTURES_DIR=... to compose another directory)
import { readFileSync, readdirSync, writeFileSync, existsSync, rmSync, statSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "graphql";
import { composeServices as apolloCompose } from "@apollo/composition";
import { composeServices as guildCompose } from "@theguild/federation-composition";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = resolve(process.env.FIXTURES_DIR ?? join(here, "../../tests/router/fixtures"));
const only = new Set(process.argv.slice(2));
const GENERATED = new Set(["supergraph.reference.graphql", "supergraph.guild.graphql"]);

// Routing URLs follow one convention so tests can rebuild the same subgraph list:
// a case may carry urls.json ({"name": "url"}); otherwise http://<name>.test/graphql.
function loadSubgraphs(dir) {
  const urls = existsSync(join(dir, "urls.json"))
    ? JSON.parse(readFileSync(join(dir, "urls.json"), "utf8"))
    : {};
  return readdirSync(dir)
    .filter((f) => f.endsWith(".graphql") && !GENERATED.has(f))
    .sort()
    .map((f) => {
      const name = f.slice(0, -".graphql".length);
      const sdl = readFileSync(join(dir, f), "utf8");
      return { name, url: urls[name] ?? `http://${name}.test/graphql`, sdl };
    });
}

function cleanup(dir) {
  for (const f of [...GENERATED, "errors.reference.json", "errors.guild.json"]) {
    if (existsSync(join(dir, f))) rmSync(join(dir, f));
  }
}

function errorsJson(errors) {
  return JSON.stringify(
    errors.map((e) => ({ code: e.extensions?.code ?? null, message: e.message })),
    null,
    2,
  ) + "\n";
}

let failures = 0;
for (const entry of readdirSync(fixtures).sort()) {
  const dir = join(fixtures, entry);
  if (!statSync(dir).isDirectory()) continue;
  if (only.size && !only.has(entry)) continue;
  const subgraphs = loadSubgraphs(dir);
  if (subgraphs.length === 0) continue;
  cleanup(dir);
  const services = subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
  const apollo = apolloCompose(services);
  if (apollo.errors) {
    writeFileSync(join(dir, "errors.reference.json"), errorsJson(apollo.errors));
    console.log(`${entry}: apollo errors ${apollo.errors.map((e) => e.extensions?.code).join(",")}`);
  } else {
    writeFileSync(join(dir, "supergraph.reference.graphql"), apollo.supergraphSdl + "\n");
    console.log(`${entry}: apollo ok`);
  }
  let guild;
  try {
    guild = guildCompose(services);
  } catch (e) {
    guild = { errors: [e] };
  }
  if (guild.errors) {
    writeFileSync(join(dir, "errors.guild.json"), errorsJson(guild.errors));
    console.log(`${entry}: guild errors ${guild.errors.map((e) => e.extensions?.code).join(",")}`);
  } else if (!apollo.errors) {
    // Where Apollo rejects a case The Guild accepts, its supergraph is not one the router
    // must load (it can even be an invalid schema): only the disagreement is reported.
    writeFileSync(join(dir, "supergraph.guild.graphql"), guild.supergraphSdl + "\n");
  }
  if (!!apollo.errors !== !!guild.errors) {
    failures += 1;
    console.log(`${entry}: apollo and guild disagree on success`);
  }
}
process.exitCode = 0;
if (failures) console.log(`${failures} case(s) where the two tools disagree`);
