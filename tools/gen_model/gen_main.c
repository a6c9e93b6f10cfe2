/* mlavk-gen-model: writes one seeded random deepseek2 model as GGUF and/or a Hugging Face directory. */
#include "gen_model.h"

int main(int argc, char **argv)
{
    gen_config cfg;
    gen_parse_args(&cfg, argc, argv);
    gen_model model;
    gen_model_build(&cfg, &model);
    gen_vocab vocab;
    gen_vocab_build(cfg.vocab, &vocab);
    if (cfg.out_gguf)
        gen_write_gguf(&cfg, &model, &vocab, cfg.out_gguf);
    if (cfg.out_hf)
        gen_write_hf(&cfg, &model, &vocab, cfg.out_hf);
    gen_vocab_free(&vocab);
    gen_model_free(&model);
    return 0;
}
