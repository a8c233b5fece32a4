"""The join: clips in, one clip out.

plan.py says where every output frame comes from; clipframes.py reads clip frames as the output
shows them; cuts.py makes each cut's transition segment (cached); assemble.py turns the plan
into the splice's pieces; pipeline.py runs plan -> cuts -> splice -> publish; sides.py and
previews.py write what goes beside the output; cliplist.py reads `--from` lists.
"""
