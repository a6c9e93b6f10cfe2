/* IQ2 types (ggml's 2-bit codebook quants, 256-element super-blocks of 8 sub-blocks of 32): included by quant.glsl.
 * Each run of 8 values is a codebook entry (8 magnitudes, each 8, 25 or 43) with 8 signs, scaled by
 * d * (0.5 + s) / 4 for a 4-bit s. A unit is a sub-block (32 values, 4 runs): group g is values 4 (g & 1) .. + 3
 * of run g / 2.
 *
 * iq2_grid is the type's codebook from ggml (ggml/src/ggml-common.h, MIT; runtime/formats/iq2_grids.h has it as
 * ggml writes it) repacked at 2 bits per value: 0, 1, 2 for 8, 25, 43, value j at bits 2j, entry i in the 16 bits
 * at 16 * (i & 1) of word i / 2, two words an element. One 32-bit load then serves 8 values: half the loads of
 * 8-byte entries (an indexed load is a per-invocation loop on a CPU driver such as lavapipe) and a quarter of their
 * memory. It is a private array, not a `const` one: glslang copies a `const` array into a function variable wherever
 * it is indexed, which lavapipe fills at each use (2-35x slower kernels measured, the larger the grid the worse); a
 * private array is filled once per invocation. Its elements are pairs because lavapipe's pipeline creation grows
 * with their count: 48 ms a pipeline for IQ2_S's grid against 160 ms as single words (about 20 ms for Q4_K). */
#if defined(WEIGHT_IQ2_XXS)
/* ggml's iq2xxs_grid: 256 entries. */
uvec2 iq2_grid[64] = uvec2[](
    uvec2(0x00020000u, 0x00080005u), uvec2(0x0011000au, 0x00200014u), uvec2(0x00280022u, 0x0041002au),
    uvec2(0x00500044u, 0x00610058u), uvec2(0x00800064u, 0x008a0082u), uvec2(0x010100a2u, 0x01100104u),
    uvec2(0x01400115u, 0x01980184u), uvec2(0x02020200u, 0x02820222u), uvec2(0x04040401u, 0x04210410u),
    uvec2(0x04400424u, 0x04480442u), uvec2(0x04810460u, 0x04900484u), uvec2(0x050004a4u, 0x05080502u),
    uvec2(0x05460520u, 0x05800569u), uvec2(0x06090591u, 0x06400610u), uvec2(0x06a40684u, 0x08050800u),
    uvec2(0x08140808u, 0x08410828u), uvec2(0x08500844u, 0x08880852u), uvec2(0x09400904u, 0x0a140a02u),
    uvec2(0x10041001u, 0x10211010u), uvec2(0x10601040u, 0x10901084u), uvec2(0x11001095u, 0x11201108u),
    uvec2(0x115a1150u, 0x12241180u), uvec2(0x14001245u, 0x14201408u), uvec2(0x14491425u, 0x15181480u),
    uvec2(0x16001562u, 0x18011616u), uvec2(0x18101804u, 0x18811840u), uvec2(0x19051900u, 0x1a5119a0u),
    uvec2(0x20022000u, 0x2044200au), uvec2(0x20802061u, 0x21292082u), uvec2(0x22002148u, 0x24012202u),
    uvec2(0x24102404u, 0x24562440u), uvec2(0x25412500u, 0x26902564u), uvec2(0x28202808u, 0x2a442894u),
    uvec2(0x40044001u, 0x40184010u), uvec2(0x40244021u, 0x40484040u), uvec2(0x40604056u, 0x40844081u),
    uvec2(0x41004090u, 0x41614120u), uvec2(0x41854180u, 0x42104201u), uvec2(0x42564248u, 0x44004268u),
    uvec2(0x44204408u, 0x44994480u), uvec2(0x45244512u, 0x48014600u), uvec2(0x48104804u, 0x48454840u),
    uvec2(0x49584900u, 0x49824961u), uvec2(0x4a904a45u, 0x50085000u), uvec2(0x50195011u, 0x50805020u),
    uvec2(0x51045088u, 0x51a45142u), uvec2(0x54905291u, 0x550a5492u), uvec2(0x56545601u, 0x58115800u),
    uvec2(0x58645819u, 0x5a085940u), uvec2(0x60106004u, 0x60686040u), uvec2(0x61556100u, 0x62606218u),
    uvec2(0x64056400u, 0x65126510u), uvec2(0x68426584u, 0x80028000u), uvec2(0x8041800au, 0x81048082u),
    uvec2(0x81408118u, 0x84018211u), uvec2(0x84108404u, 0x84408415u), uvec2(0x85008460u, 0x85948546u),
    uvec2(0x86408609u, 0x88028660u), uvec2(0x8a118904u, 0x90109004u), uvec2(0x90409024u, 0x911690a1u),
    uvec2(0x92459180u, 0x94229400u), uvec2(0x95519444u, 0x99209881u), uvec2(0xa050a002u, 0xa109a085u),
    uvec2(0xa418a200u, 0xa904a850u));
#elif defined(WEIGHT_IQ2_XS)
/* ggml's iq2xs_grid: 512 entries. */
uvec2 iq2_grid[128] = uvec2[](
    uvec2(0x00020000u, 0x00080005u), uvec2(0x0011000au, 0x00160014u), uvec2(0x00200019u, 0x00250022u),
    uvec2(0x00410028u, 0x00460044u), uvec2(0x00500049u, 0x00550052u), uvec2(0x00610058u, 0x00800064u),
    uvec2(0x00850082u, 0x00910088u), uvec2(0x00990094u, 0x010100a0u), uvec2(0x01060104u, 0x01100109u),
    uvec2(0x01150112u, 0x011a0118u), uvec2(0x01240121u, 0x01420140u), uvec2(0x01480145u, 0x01540151u),
    uvec2(0x01680160u, 0x01840181u), uvec2(0x02000190u, 0x02050202u), uvec2(0x02110208u, 0x02200214u),
    uvec2(0x02440241u, 0x02550250u), uvec2(0x028a0280u, 0x04040401u), uvec2(0x04090406u, 0x04120410u),
    uvec2(0x04180415u, 0x04240421u), uvec2(0x04420440u, 0x04480445u), uvec2(0x04540451u, 0x04600456u),
    uvec2(0x04840481u, 0x05000490u), uvec2(0x05050502u, 0x05110508u), uvec2(0x05200514u, 0x05440541u),
    uvec2(0x05610550u, 0x06010580u), uvec2(0x06100604u, 0x06400626u), uvec2(0x06840642u, 0x08020800u),
    uvec2(0x08080805u, 0x0811080au), uvec2(0x08200814u, 0x08410825u), uvec2(0x08500844u, 0x08800858u),
    uvec2(0x08aa08a0u, 0x09040901u), uvec2(0x09400910u, 0x09890981u), uvec2(0x0a200a00u, 0x0a960a28u),
    uvec2(0x10010aa0u, 0x10061004u), uvec2(0x10101009u, 0x10151012u), uvec2(0x10211018u, 0x10401024u),
    uvec2(0x10451042u, 0x10511048u), uvec2(0x10601054u, 0x1081106au), uvec2(0x10901084u, 0x11021100u),
    uvec2(0x11081105u, 0x11141111u), uvec2(0x11411120u, 0x11501144u), uvec2(0x11941180u, 0x12011196u),
    uvec2(0x12061204u, 0x12401210u), uvec2(0x14001260u, 0x14051402u), uvec2(0x14111408u, 0x14201414u),
    uvec2(0x14441441u, 0x14501449u), uvec2(0x14801464u, 0x15041501u), uvec2(0x15401510u, 0x16141600u),
    uvec2(0x18011649u, 0x18101804u), uvec2(0x18401812u, 0x18861854u), uvec2(0x19051900u, 0x1a511966u),
    uvec2(0x20001aa9u, 0x20052002u), uvec2(0x200a2008u, 0x20142011u), uvec2(0x20412020u, 0x20502044u),
    uvec2(0x20a02080u, 0x21042101u), uvec2(0x21402110u, 0x21652148u), uvec2(0x22222200u, 0x22a82280u),
    uvec2(0x24042401u, 0x24292410u), uvec2(0x25002440u, 0x25522541u), uvec2(0x26012599u, 0x26a6261au),
    uvec2(0x28082800u, 0x2820280au), uvec2(0x28882855u, 0x296828a2u), uvec2(0x2a082990u, 0x2a822a20u),
    uvec2(0x2a8a2a88u, 0x40044001u), uvec2(0x40094006u, 0x40124010u), uvec2(0x40184015u, 0x40244021u),
    uvec2(0x40424040u, 0x40484045u), uvec2(0x4051404au, 0x40604054u), uvec2(0x40814065u, 0x40904084u),
    uvec2(0x41024100u, 0x41084105u), uvec2(0x41144111u, 0x41414120u), uvec2(0x41504144u, 0x41854180u),
    uvec2(0x420141a2u, 0x42104204u), uvec2(0x42294212u, 0x44004240u), uvec2(0x44054402u, 0x44114408u),
    uvec2(0x44194414u, 0x44414420u), uvec2(0x44504444u, 0x44944480u), uvec2(0x45044501u, 0x45244510u),
    uvec2(0x459a4540u, 0x460a4600u), uvec2(0x46504644u, 0x48044801u), uvec2(0x48404810u, 0x48544845u),
    uvec2(0x49004862u, 0x49444911u), uvec2(0x49694950u, 0x50004a04u), uvec2(0x50055002u, 0x50115008u),
    uvec2(0x50205014u, 0x50415028u), uvec2(0x50505044u, 0x51015080u), uvec2(0x51105104u, 0x51405115u),
    uvec2(0x52005142u, 0x52aa5244u), uvec2(0x54045401u, 0x54215410u), uvec2(0x54605440u, 0x54a15481u),
    uvec2(0x55085500u, 0x55885580u), uvec2(0x56685621u, 0x580056a1u), uvec2(0x58415814u, 0x58995850u),
    uvec2(0x5940591au, 0x5a855942u), uvec2(0x60046001u, 0x60406010u), uvec2(0x60626054u, 0x60a96086u),
    uvec2(0x62246100u, 0x6292624au), uvec2(0x64166400u, 0x65406510u), uvec2(0x65a46545u, 0x686a6801u),
    uvec2(0x6a066925u, 0x6a626a54u), uvec2(0x80028000u, 0x80088005u), uvec2(0x80148011u, 0x802a8020u),
    uvec2(0x80448041u, 0x80808050u), uvec2(0x80a88082u, 0x810180aau), uvec2(0x81068104u, 0x81408110u),
    uvec2(0x81598151u, 0x82208200u), uvec2(0x82828280u, 0x82a882a0u), uvec2(0x84048401u, 0x84128410u),
    uvec2(0x84408415u, 0x84898460u), uvec2(0x85448500u, 0x861885a5u), uvec2(0x8800866au, 0x88258808u),
    uvec2(0x8880885au, 0x88a88882u), uvec2(0x8a228906u, 0x8a888a80u), uvec2(0x8aa88a96u, 0x90049001u),
    uvec2(0x90409010u, 0x90849056u), uvec2(0x91229100u, 0x92569164u), uvec2(0x94009289u, 0x94449405u),
    uvec2(0x94589450u, 0x95909529u), uvec2(0x96419592u, 0x98a69851u), uvec2(0x9a159949u, 0xa0009a60u),
    uvec2(0xa008a002u, 0xa020a00au), uvec2(0xa0a0a02au, 0xa159a151u), uvec2(0xa200a1a6u, 0xa208a202u),
    uvec2(0xa280a22au, 0xa440a2a0u), uvec2(0xa665a495u, 0xa80aa698u), uvec2(0xa822a820u, 0xa8a0a828u),
    uvec2(0xa904a8a8u, 0xa986a984u), uvec2(0xaa2aaa28u, 0xaaaaaa91u));
#elif defined(WEIGHT_IQ2_S)
/* ggml's iq2s_grid: 1024 entries. */
uvec2 iq2_grid[256] = uvec2[](
    uvec2(0x00020000u, 0x00080005u), uvec2(0x0011000au, 0x00160014u), uvec2(0x00200019u, 0x00250022u),
    uvec2(0x00410028u, 0x00460044u), uvec2(0x00500049u, 0x00550052u), uvec2(0x00610058u, 0x00660064u),
    uvec2(0x00800069u, 0x00850082u), uvec2(0x00910088u, 0x00a00094u), uvec2(0x00aa00a5u, 0x01040101u),
    uvec2(0x01090106u, 0x01120110u), uvec2(0x01180115u, 0x01240121u), uvec2(0x01420140u, 0x01480145u),
    uvec2(0x01540151u, 0x01590156u), uvec2(0x01650160u, 0x01810168u), uvec2(0x01900184u, 0x01950192u),
    uvec2(0x01a401a1u, 0x02020200u), uvec2(0x02080205u, 0x02140211u), uvec2(0x022a0220u, 0x02440241u),
    uvec2(0x02490246u, 0x02550250u), uvec2(0x02850280u, 0x0294028au), uvec2(0x040102a2u, 0x04060404u),
    uvec2(0x04100409u, 0x04150412u), uvec2(0x04210418u, 0x04260424u), uvec2(0x04400429u, 0x04450442u),
    uvec2(0x044a0448u, 0x04540451u), uvec2(0x04590456u, 0x04620460u), uvec2(0x04810465u, 0x04860484u),
    uvec2(0x04900489u, 0x04980495u), uvec2(0x04a404a1u, 0x05020500u), uvec2(0x05080505u, 0x0511050au),
    uvec2(0x05160514u, 0x05200519u), uvec2(0x05280525u, 0x05440541u), uvec2(0x05490546u, 0x05520550u),
    uvec2(0x05580555u, 0x05640561u), uvec2(0x05820580u, 0x05880585u), uvec2(0x05940591u, 0x060105a0u),
    uvec2(0x06060604u, 0x06100609u), uvec2(0x06400615u, 0x06480645u), uvec2(0x06540651u, 0x06810660u),
    uvec2(0x06900684u, 0x08020800u), uvec2(0x08080805u, 0x08140811u), uvec2(0x08190816u, 0x08250820u),
    uvec2(0x0841082au, 0x08460844u), uvec2(0x08500849u, 0x08550852u), uvec2(0x08610858u, 0x08800864u),
    uvec2(0x08940885u, 0x090108aau), uvec2(0x09100904u, 0x09150912u), uvec2(0x09210918u, 0x09450940u),
    uvec2(0x09510948u, 0x09600954u), uvec2(0x09900981u, 0x0a110a00u), uvec2(0x0a220a14u, 0x0a2a0a28u),
    uvec2(0x0a990a50u, 0x10041001u), uvec2(0x10091006u, 0x10121010u), uvec2(0x10181015u, 0x10241021u),
    uvec2(0x10401026u, 0x10451042u), uvec2(0x10511048u, 0x10561054u), uvec2(0x10601059u, 0x10651062u),
    uvec2(0x10811068u, 0x10861084u), uvec2(0x10951090u, 0x10a11098u), uvec2(0x110010a4u, 0x11051102u),
    uvec2(0x110a1108u, 0x11141111u), uvec2(0x11191116u, 0x11221120u), uvec2(0x11281125u, 0x11441141u),
    uvec2(0x11491146u, 0x11521150u), uvec2(0x11581155u, 0x11641161u), uvec2(0x11821180u, 0x11881185u),
    uvec2(0x11941191u, 0x12041201u), uvec2(0x12101209u, 0x12211215u), uvec2(0x12401224u, 0x12511245u),
    uvec2(0x12811254u, 0x12901284u), uvec2(0x14021400u, 0x14081405u), uvec2(0x14141411u, 0x14191416u),
    uvec2(0x14251420u, 0x14411428u), uvec2(0x14461444u, 0x14501449u), uvec2(0x14551452u, 0x14611458u),
    uvec2(0x14801464u, 0x14851482u), uvec2(0x14911488u, 0x14a01494u), uvec2(0x15041501u, 0x15091506u),
    uvec2(0x15121510u, 0x15181515u), uvec2(0x15241521u, 0x15421540u), uvec2(0x15481545u, 0x15541551u),
    uvec2(0x15811560u, 0x15901584u), uvec2(0x16051600u, 0x16111608u), uvec2(0x16201614u, 0x16441641u),
    uvec2(0x16801650u, 0x180116aau), uvec2(0x18061804u, 0x18101809u), uvec2(0x18181815u, 0x18401821u),
    uvec2(0x18451842u, 0x18511848u), uvec2(0x18601854u, 0x18841881u), uvec2(0x19021900u, 0x19081905u),
    uvec2(0x19141911u, 0x19411920u), uvec2(0x19501944u, 0x19a21969u), uvec2(0x1a101a04u, 0x1a561a40u),
    uvec2(0x20022000u, 0x20082005u), uvec2(0x20142011u, 0x20192016u), uvec2(0x20252020u, 0x2041202au),
    uvec2(0x20502044u, 0x20552052u), uvec2(0x20802064u, 0x2094208au), uvec2(0x210120aau, 0x21102104u),
    uvec2(0x21152112u, 0x21402121u), uvec2(0x21452142u, 0x21542151u), uvec2(0x21812160u, 0x21902184u),
    uvec2(0x220a2200u, 0x22282222u), uvec2(0x2244222au, 0x22882250u), uvec2(0x22a8228au, 0x24042401u),
    uvec2(0x24092406u, 0x24152410u), uvec2(0x24212418u, 0x24402424u), uvec2(0x24452442u, 0x24512448u),
    uvec2(0x24602454u, 0x24842481u), uvec2(0x25002490u, 0x25082505u), uvec2(0x25142511u, 0x25412520u),
    uvec2(0x25502544u, 0x25802566u), uvec2(0x26042601u, 0x26402610u), uvec2(0x28002659u, 0x28112805u),
    uvec2(0x28412814u, 0x28502844u), uvec2(0x28aa288au, 0x29042901u), uvec2(0x29952910u, 0x2a222a0au),
    uvec2(0x2a882a64u, 0x40012a8au), uvec2(0x40064004u, 0x40104009u), uvec2(0x40154012u, 0x401a4018u),
    uvec2(0x40244021u, 0x40404026u), uvec2(0x40454042u, 0x404a4048u), uvec2(0x40544051u, 0x40594056u),
    uvec2(0x40624060u, 0x40814065u), uvec2(0x40904084u, 0x40984095u), uvec2(0x40a440a1u, 0x41024100u),
    uvec2(0x41084105u, 0x41144111u), uvec2(0x41194116u, 0x41224120u), uvec2(0x41414125u, 0x41464144u),
    uvec2(0x41504149u, 0x41554152u), uvec2(0x41614158u, 0x41804164u), uvec2(0x41854182u, 0x41914188u),
    uvec2(0x41a04194u, 0x42044201u), uvec2(0x42124210u, 0x42184215u), uvec2(0x42404224u, 0x42484245u),
    uvec2(0x42544251u, 0x42814260u), uvec2(0x44004284u, 0x44054402u), uvec2(0x440a4408u, 0x44144411u),
    uvec2(0x44194416u, 0x44224420u), uvec2(0x44284425u, 0x44444441u), uvec2(0x44494446u, 0x44524450u),
    uvec2(0x44584455u, 0x44644461u), uvec2(0x44824480u, 0x44884485u), uvec2(0x44944491u, 0x450144a0u),
    uvec2(0x45064504u, 0x45104509u), uvec2(0x45154512u, 0x45214518u), uvec2(0x45404524u, 0x45454542u),
    uvec2(0x45514548u, 0x45604554u), uvec2(0x4581456au, 0x45904584u), uvec2(0x46024600u, 0x46084605u),
    uvec2(0x46144611u, 0x46414620u), uvec2(0x46504644u, 0x46a54680u), uvec2(0x48044801u, 0x48104809u),
    uvec2(0x48154812u, 0x48214818u), uvec2(0x48404824u, 0x48454842u), uvec2(0x48514848u, 0x48604854u),
    uvec2(0x48904884u, 0x49024900u), uvec2(0x49084905u, 0x49144911u), uvec2(0x49414920u, 0x49504944u),
    uvec2(0x49964980u, 0x4a044a01u), uvec2(0x4a404a10u, 0x50025000u), uvec2(0x50085005u, 0x50145011u),
    uvec2(0x50195016u, 0x50225020u), uvec2(0x50285025u, 0x50445041u), uvec2(0x50495046u, 0x50525050u),
    uvec2(0x50585055u, 0x50645061u), uvec2(0x50825080u, 0x50885085u), uvec2(0x50945091u, 0x51045101u),
    uvec2(0x51095106u, 0x51125110u), uvec2(0x51185115u, 0x51245121u), uvec2(0x51425140u, 0x51485145u),
    uvec2(0x51545151u, 0x51815160u), uvec2(0x51905184u, 0x52055200u), uvec2(0x52115208u, 0x52205214u),
    uvec2(0x52445241u, 0x52695250u), uvec2(0x54015280u, 0x54065404u), uvec2(0x54105409u, 0x54155412u),
    uvec2(0x54215418u, 0x54405424u), uvec2(0x54455442u, 0x54515448u), uvec2(0x54605454u, 0x54845481u),
    uvec2(0x55005490u, 0x55055502u), uvec2(0x55115508u, 0x55205514u), uvec2(0x55445541u, 0x55805550u),
    uvec2(0x56045601u, 0x56265610u), uvec2(0x58005640u, 0x58055802u), uvec2(0x58115808u, 0x58205814u),
    uvec2(0x58445841u, 0x585a5850u), uvec2(0x59015880u, 0x59105904u), uvec2(0x5a005940u, 0x5a855a19u),
    uvec2(0x60015aa8u, 0x60066004u), uvec2(0x60126010u, 0x60186015u), uvec2(0x60246021u, 0x60456040u),
    uvec2(0x60516048u, 0x60606054u), uvec2(0x60906084u, 0x61026100u), uvec2(0x61086105u, 0x61146111u),
    uvec2(0x61416120u, 0x61506144u), uvec2(0x61996180u, 0x62106204u), uvec2(0x62566240u, 0x640062a1u),
    uvec2(0x64086405u, 0x64146411u), uvec2(0x64416420u, 0x64506444u), uvec2(0x65016480u, 0x65106504u),
    uvec2(0x654a6540u, 0x65926568u), uvec2(0x66946600u, 0x68046801u), uvec2(0x68656810u, 0x69006898u),
    uvec2(0x6a42692au, 0x80006aa1u), uvec2(0x80058002u, 0x80118008u), uvec2(0x80198014u, 0x80258020u),
    uvec2(0x80448041u, 0x80528050u), uvec2(0x80588055u, 0x80808061u), uvec2(0x80918085u, 0x81018094u),
    uvec2(0x81098104u, 0x81128110u), uvec2(0x81188115u, 0x81248121u), uvec2(0x81428140u, 0x81488145u),
    uvec2(0x81548151u, 0x81848181u), uvec2(0x81a98190u, 0x82058200u), uvec2(0x8211820au, 0x82418214u),
    uvec2(0x82508244u, 0x84048401u), uvec2(0x84098406u, 0x84128410u), uvec2(0x84188415u, 0x84408421u),
    uvec2(0x84458442u, 0x84518448u), uvec2(0x84608454u, 0x84848481u), uvec2(0x85008490u, 0x85058502u),
    uvec2(0x85118508u, 0x85208514u), uvec2(0x85448541u, 0x85808550u), uvec2(0x8601858au, 0x86108604u),
    uvec2(0x86408629u, 0x88058800u), uvec2(0x88148811u, 0x88448841u), uvec2(0x88a28850u, 0x89048901u),
    uvec2(0x89658940u, 0x8a588a22u), uvec2(0x8a828a5au, 0x90018aa2u), uvec2(0x90099004u, 0x90129010u),
    uvec2(0x90189015u, 0x90409024u), uvec2(0x90459042u, 0x90519048u), uvec2(0x90609054u, 0x90849081u),
    uvec2(0x91009090u, 0x91119105u), uvec2(0x91419114u, 0x91509144u), uvec2(0x9201915au, 0x92109204u),
    uvec2(0x92a69240u, 0x94029400u), uvec2(0x94089405u, 0x94149411u), uvec2(0x94419420u, 0x94509444u),
    uvec2(0x94969480u, 0x95049501u), uvec2(0x95409510u, 0x95a19598u), uvec2(0x96469600u, 0x98019664u),
    uvec2(0x98109804u, 0x98409826u), uvec2(0x990098a9u, 0x99529949u), uvec2(0xa0009a90u, 0xa00aa005u),
    uvec2(0xa022a014u, 0xa041a02au), uvec2(0xa050a044u, 0xa0aaa0a2u), uvec2(0xa165a140u, 0xa20aa202u),
    uvec2(0xa228a222u, 0xa282a22au), uvec2(0xa28aa288u, 0xa401a2a8u), uvec2(0xa410a404u, 0xa489a440u),
    uvec2(0xa500a4a4u, 0xa651a519u), uvec2(0xa828a80au, 0xa954a8a2u), uvec2(0xaa08a986u, 0xaa20aa0au),
    uvec2(0xaa28aa22u, 0xaaaaaa88u));
#endif

#if defined(WEIGHT_IQ2_XXS) || defined(WEIGHT_IQ2_XS) || defined(WEIGHT_IQ2_S)
uint unit_col4(uint u, uint g) { return u * 32u + g * 4u; }

/* Codebook entry i: its 2-bit codes in the low 16 bits. */
uint iq2_entry(uint i) { return iq2_grid[i >> 2][(i >> 1) & 1u] >> ((i & 1u) << 4); }

/* d (0.5 + s) / 4 for the two 4-bit fields s of a byte. */
vec2 iq2_scales(float d, uint s) { return d * 0.125 * (2.0 * vec2(s & 15u, (s >> 4) & 15u) + 1.0); }

/* Four 7-bit sign fields, one per byte, each completed by its parity as bit 7 (a run's count of negatives is even):
 * after the three folds, bit 8j is the xor of byte j's bits. */
uint iq2_signs7(uint s)
{
    uint p = s ^ (s >> 4);
    p ^= p >> 2;
    p ^= p >> 1;
    return s | ((p & 0x01010101u) << 7);
}

/* A sub-block's unit from its 4 runs' grid indices, their signs (run l's in byte l) and the scales of runs 0-1 and
 * 2-3. Everything per run is done here, once per unit, so that unit_group stays small: shader compilers unroll the
 * loop over a unit's groups only below a size, and lavapipe measured 4x slower where they did not. q.xy: the runs'
 * codes, a group's 4 in byte g; q.z: the signs, a group's 4 in nibble g. */
unit iq2_unit(uvec4 index, uint signs, vec2 scales)
{
    uvec4 e = uvec4(iq2_entry(index.x), iq2_entry(index.y), iq2_entry(index.z), iq2_entry(index.w));
    return unit(uvec4((e.xz & 0xffffu) | (e.yw << 16), signs, 0u), uvec4(0u), uvec4(0u), scales.xyxy);
}

/* Code c of value i is taken in place, as k = c 4^i, and its magnitude 8, 25, 43 for c = 0, 1, 2 is
 * 8 + 16.5 c + 0.5 c^2; a set sign bit flips the float's sign. */
vec4 unit_group(unit h, uint g)
{
    const vec4 inv4 = vec4(1.0, 0.25, 0.0625, 0.015625);
    uint code = (g < 4u ? h.q.x : h.q.y) >> (8u * (g & 3u));
    vec4 k = vec4(ivec4(uvec4(code) & uvec4(3u, 12u, 48u, 192u)));
    vec4 v = (g < 4u ? h.s.x : h.s.y) * fma(fma(k, 0.5 * inv4 * inv4, 16.5 * inv4), k, vec4(8.0));
    uvec4 negative = (uvec4(h.q.z >> (4u * g)) << uvec4(31u, 30u, 29u, 28u)) & 0x80000000u;
    return uintBitsToFloat(floatBitsToUint(v) ^ negative);
}
#endif

#if defined(WEIGHT_IQ2_XXS)
/* {f16 d; uint16 qs[32]}: 66 bytes; sub-block k is the 8 bytes at qs + 8k: 4 grid indices, then a word of the 4
 * runs' 7-bit sign fields (bits 7l) and the sub-block's scale (bits 28-31). */
unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 3) * BLOCK_IQ2_XXS_BYTES;
    uvec2 q = weight_u64(blk + BLOCK_IQ2_XXS_QS + 8u * (u & 7u));
    uint s = q.y;
    uint signs = (s & 0x7fu) | ((s << 1) & 0x7f00u) | ((s << 2) & 0x7f0000u) | ((s << 3) & 0x7f000000u);
    return iq2_unit((uvec4(q.x) >> uvec4(0u, 8u, 16u, 24u)) & 255u, iq2_signs7(signs),
                    vec2(iq2_scales(weight_f16(blk + BLOCK_IQ2_XXS_D), s >> 28).x));
}

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_IQ2_XS)
/* {f16 d; uint16 qs[32]; uint8 scales[8]}: 74 bytes; qs[4k + l] is run l of sub-block k: grid index in bits 0-8,
 * 7-bit sign field in bits 9-15; scales[k] has sub-block k's scales of runs 0-1 (low nibble) and 2-3 (high). */
unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 3) * BLOCK_IQ2_XS_BYTES, k = u & 7u;
    uvec2 q = weight_u64(blk + BLOCK_IQ2_XS_QS + 8u * k);
    uvec4 runs = uvec4(q.x, q.x >> 16, q.y, q.y >> 16) & 0xffffu;
    uvec4 s = runs >> 9;
    return iq2_unit(runs & 511u, iq2_signs7(s.x | (s.y << 8) | (s.z << 16) | (s.w << 24)),
                    iq2_scales(weight_f16(blk + BLOCK_IQ2_XS_D), weight_byte(blk + BLOCK_IQ2_XS_SCALES + k)));
}

#define WEIGHT_DECODER 1
#elif defined(WEIGHT_IQ2_S)
/* {f16 d; uint8 qs[32]; uint8 signs[32]; uint8 qh[8]; uint8 scales[8]}: 82 bytes; run l of sub-block k has the low
 * 8 bits of its grid index in qs[4k + l], the high 2 in bits 2l of qh[k], its 8 signs in signs[4k + l]; scales as
 * IQ2_XS. */
unit unit_begin(uint row, uint u, uint cols)
{
    uint blk = row + (u >> 3) * BLOCK_IQ2_S_BYTES, k = u & 7u;
    uvec4 low = (uvec4(weight_u32(blk + BLOCK_IQ2_S_QS + 4u * k)) >> uvec4(0u, 8u, 16u, 24u)) & 255u;
    uvec4 high = (uvec4(weight_byte(blk + BLOCK_IQ2_S_QH + k)) >> uvec4(0u, 2u, 4u, 6u)) & 3u;
    return iq2_unit(low | (high << 8), weight_u32(blk + BLOCK_IQ2_S_SIGNS + 4u * k),
                    iq2_scales(weight_f16(blk + BLOCK_IQ2_S_D), weight_byte(blk + BLOCK_IQ2_S_SCALES + k)));
}

#define WEIGHT_DECODER 1
#endif
