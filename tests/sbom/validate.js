// SPDX-License-Identifier: MIT
// Validate CycloneDX 1.5 JSON files against the schema shipped in
// @cyclonedx/cyclonedx-library, with its strict JSON validator (ajv).
// Usage: node validate.js FILE...  Exit 0 when every file is valid.
'use strict';
const fs = require('fs');
const { Spec, Validation } = require('@cyclonedx/cyclonedx-library');

async function main(files) {
	const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot5);
	let bad = 0;
	for (const f of files) {
		const errors = await validator.validate(fs.readFileSync(f, 'utf8'));
		if (errors === null) {
			console.log(`valid: ${f}`);
		} else {
			bad++;
			console.log(`invalid: ${f}: ${JSON.stringify(errors)}`);
		}
	}
	return bad ? 1 : 0;
}

main(process.argv.slice(2)).then(
	(code) => process.exit(code),
	(err) => {
		console.error(`validate.js: ${err && err.message ? err.message : err}`);
		process.exit(2);
	});
