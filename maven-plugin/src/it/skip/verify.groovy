assert new File(basedir, 'build.log').text.contains('deltac: skipped')
assert !new File(basedir, 'target/generated-sources/deltac').exists()
return true
